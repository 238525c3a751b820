import type { Server } from 'node:http';
import { Client } from 'pg';
import { ApiKeyService, SCOPES } from '@tagforge/auth';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';
import { RawClient, type RawResponse } from '../support/bad-input-client';
import {
  benignSegments,
  contentTypeOf,
  documentedOperations,
  fillPath,
  harmlessRequest,
  label,
  takesBody,
  type Operation,
} from '../support/bad-input-routes';

// Values no other field of any answer could hold by chance: if one shows up, bureau data leaked.
const SENTINELS = { monthlyDebtPayment: 48213.5791, otherDebt: 731904.1357, reportDate: '1903-04-05' };
const CUSTOMER = 'BUREAU-SENTINEL';

describe('bureau data only with bureau:read, on every route', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let client: RawClient;
  let noBureau: string;
  let sandboxRunId: string;

  // As JSON writes them, and as explanations in words print numbers (48,213.58).
  const spellings = (value: string | number) =>
    typeof value === 'number'
      ? [String(value), value.toLocaleString('en-US', { maximumFractionDigits: 2 })]
      : [value];
  const leaks = (text: string) =>
    Object.values(SENTINELS).filter((value) => spellings(value).some((spelling) => text.includes(spelling)));

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    noBureau = (
      await api.app.get(ApiKeyService).create(
        {
          name: 'everything but bureau',
          scopes: SCOPES.filter((s) => s !== 'bureau:read' && s !== 'admin'),
        },
        null,
      )
    ).key;
    await api.http
      .put(`/v1/customers/${CUSTOMER}/profile`)
      .set(auth())
      .send({
        bureau: { score: 702, inquiries3m: 1, otherLenders: 2, ...SENTINELS },
        income: { monthlySalary: 20000, payrollAtBank: true },
        marketing: { optOut: false },
        loans: [{ type: 'consumer', status: 'active', principal: 50000, outstanding: 20000, currentDpd: 0 }],
      })
      .expect(200);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT evaluated_version FROM customer_profile WHERE customer_id = $1`,
        [CUSTOMER],
      );
      return Number(rows[0]?.evaluated_version) === 1 ? true : undefined;
    });
    // A sandbox run, started by a key that may see bureau data, whose drafts copy bureau values.
    const started = await api.http
      .post('/v1/sandbox/runs')
      .set(auth())
      .send({
        population: { customerIds: [CUSTOMER] },
        definitions: [
          {
            id: 'bureau_debt_copy',
            name: 'copy',
            kind: 'number',
            purpose: 'risk',
            category: 'credit_risk',
            rule: { var: 'bureau.otherDebt' },
          },
          {
            id: 'bureau_report_copy',
            name: 'copy',
            kind: 'category',
            purpose: 'risk',
            category: 'credit_risk',
            rule: { var: 'bureau.reportDate' },
          },
          {
            id: 'high_debt_to_income',
            name: 'dti',
            kind: 'boolean',
            purpose: 'risk',
            category: 'credit_risk',
            rule: { '>': [{ var: 'bureau.monthlyDebtPayment' }, 1] },
          },
        ],
      })
      .expect(202);
    sandboxRunId = started.body.runId as string;
    await eventually(async () => {
      const run = (await api.http.get(`/v1/sandbox/runs/${sandboxRunId}`).set(auth()).expect(200)).body;
      return run.status === 'succeeded' ? run : undefined;
    }, 30_000);
    client = await RawClient.listen(api.app.getHttpServer() as Server, 20_000);
  });
  afterAll(async () => {
    client.close();
    await db.end();
    await worker.close();
    await api.close();
  });

  it('shows the sentinels to a key with bureau:read (so their absence below means something)', async () => {
    const explained = await api.http
      .get(`/v1/customers/${CUSTOMER}/tags/debt_to_income_ratio/explain`)
      .set(auth())
      .expect(200);
    expect(leaks(explained.text)).toEqual([SENTINELS.monthlyDebtPayment]);
    const inWords = await api.http
      .get(`/v1/customers/${CUSTOMER}/tags/debt_to_income_ratio/explain?format=text&lang=en`)
      .set(auth())
      .expect(200);
    expect(leaks(inWords.text)).toEqual([SENTINELS.monthlyDebtPayment]);
    const column = await api.http
      .get('/v1/tags/debt_to_income_ratio/members?min=0&max=1000000&columns=profile:bureau.otherDebt')
      .set(auth())
      .expect(200);
    expect(leaks(column.text)).toEqual([SENTINELS.otherDebt]);
    const sandbox = await api.http.get(`/v1/sandbox/runs/${sandboxRunId}`).set(auth()).expect(200);
    expect(leaks(sandbox.text)).toEqual([SENTINELS.otherDebt, SENTINELS.reportDate]);
  });

  // Every route over every tag (with and without asOf): longer than the default budget.
  it('never shows a bureau value to a key without bureau:read, whatever the route', async () => {
    const operations = await documentedOperations(client);
    const activeTags = (await db.query(`SELECT tag_id, kind FROM tag_definition WHERE status = 'active'`))
      .rows as {
      tag_id: string;
      kind: string;
    }[];
    const segments = activeTags.filter((tag) => tag.kind === 'segment').map((tag) => tag.tag_id);
    const kindOf = new Map(activeTags.map((tag) => [tag.tag_id, tag.kind]));
    // A value each category tag takes (its audiences are by value).
    const categoryValues = new Map(
      (
        await db.query(
          `SELECT DISTINCT ON (tag_id) tag_id, value #>> '{}' AS value FROM customer_tag
            WHERE tag_id = ANY($1) ORDER BY tag_id, value #>> '{}'`,
          [activeTags.filter((tag) => tag.kind === 'category').map((tag) => tag.tag_id)],
        )
      ).rows.map((row: { tag_id: string; value: string }) => [row.tag_id, row.value]),
    );
    const drafts = ['bureau_debt_copy', 'bureau_report_copy', 'high_debt_to_income'];
    const runId = (await db.query(`SELECT id FROM evaluation_run WHERE kind = 'activation' LIMIT 1`)).rows[0]
      .id as string;
    const answers: { what: string; response: RawResponse }[] = [];
    const headers = (extra: Record<string, string> = {}) => ({
      Authorization: `Bearer ${noBureau}`,
      ...extra,
    });

    // Every value worth trying for a path parameter of this operation.
    const choices = (operation: Operation): Record<string, string>[] => {
      const t = operation.template;
      if (t.startsWith('/v1/customers/{id}/tags/{tagId}'))
        return activeTags.map((tag) => ({ id: CUSTOMER, tagId: tag.tag_id }));
      if (t.startsWith('/v1/customers/{id}')) return [{ id: CUSTOMER }];
      if (t.startsWith('/v1/sandbox/runs/{id}')) return [{ id: sandboxRunId }];
      if (t.startsWith('/v1/runs/{id}')) return [{ id: runId }, { id: sandboxRunId }];
      if (t.startsWith('/v1/segments/{id}')) return segments.map((id) => ({ id }));
      if (t.includes('/versions/{version}')) return [{ id: 'debt_to_income_ratio', version: '1' }];
      if (t.startsWith('/v1/tags/{id}') || t.startsWith('/v1/audiences/{id}'))
        return activeTags.map((tag) => ({ id: tag.tag_id }));
      // A route this walk does not know yet still gets well-formed values, and its answer is checked.
      return [benignSegments(operation)];
    };
    const asOf = `asOf=${encodeURIComponent(new Date().toISOString())}`;
    const queries = (operation: Operation, segments: Record<string, string>): string[] => {
      const t = operation.template;
      if (t.endsWith('/customers') && t.startsWith('/v1/sandbox/'))
        return drafts.flatMap((tagId) =>
          ['entered', 'left', 'changed'].map((change) => `?change=${change}&tagId=${tagId}`),
        );
      if (t.endsWith('/explain')) return ['', '?format=text&lang=en', '?format=text&lang=zh'];
      // Many audiences' sizes at once: every segment and boolean tag, 20 ids a request.
      if (t === '/v1/audiences/sizes') {
        const ids = activeTags
          .filter((tag) => tag.kind === 'segment' || tag.kind === 'boolean')
          .map((tag) => tag.tag_id);
        return Array.from(
          { length: Math.ceil(ids.length / 20) },
          (_, i) => `?ids=${ids.slice(i * 20, i * 20 + 20).join(',')}`,
        );
      }
      if (t === '/v1/insights/breakdown')
        return activeTags
          .filter((tag) => tag.kind === 'category' || tag.kind === 'number')
          .map((tag) => `?audience=debt_to_income_ratio=0..1000000&by=${tag.tag_id}`);
      // A tag's audience: a category by value, a number within bounds; exports with columns, one of
      // them a bureau field this key may not have.
      const tagKind =
        t.startsWith('/v1/tags/{id}/') || t.startsWith('/v1/audiences/{id}/')
          ? kindOf.get(segments.id)
          : undefined;
      const selection =
        tagKind === 'category'
          ? [`value=${encodeURIComponent(categoryValues.get(segments.id) ?? 'none')}`]
          : tagKind === 'number'
            ? ['min=0&max=1000000']
            : [''];
      const columns = operation.queryParams.includes('columns')
        ? [
            '',
            `columns=${encodeURIComponent('tag:debt_to_income_ratio,tag:bureau_score_band,profile:demographics.cityTier')}`,
            `columns=${encodeURIComponent('profile:bureau.otherDebt')}`,
          ]
        : [''];
      const times = operation.queryParams.includes('asOf') ? ['', asOf] : [''];
      return selection.flatMap((select) =>
        columns.flatMap((column) =>
          times.map((time) => {
            const parts = [select, column, time].filter((part) => part !== '');
            return parts.length === 0 ? '' : `?${parts.join('&')}`;
          }),
        ),
      );
    };

    for (const operation of operations) {
      if (operation.method === 'GET') {
        for (const segments of choices(operation)) {
          for (const query of queries(operation, segments)) {
            const path = fillPath(operation.template, segments) + query;
            const accepts = operation.template.endsWith('/members')
              ? ['application/json', 'text/csv', 'application/x-ndjson']
              : ['application/json'];
            for (const accept of accepts) {
              answers.push({
                what: `GET ${path} (${accept})`,
                response: await client.send({ method: 'GET', path, headers: headers({ Accept: accept }) }),
              });
            }
          }
        }
      } else if (operation.template === '/v1/customers/tags:lookup') {
        answers.push({
          what: label(operation),
          response: await client.send({
            method: 'POST',
            path: operation.template,
            headers: headers({ 'Content-Type': 'application/json' }),
            body: JSON.stringify({ customerIds: [CUSTOMER] }),
          }),
        });
      } else if (operation.template.startsWith('/v1/insights/')) {
        // Insights over every tag at once, bureau-derived ones among them: counts and ids, never values.
        const rule = { or: activeTags.slice(0, 12).map((tag) => ({ var: `tags.${tag.tag_id}` })) };
        const body =
          operation.template === '/v1/insights/overlap'
            ? { audiences: [...segments.slice(0, 10), 'debt_to_income_ratio=0..1000000'] }
            : { rule };
        answers.push({
          what: label(operation),
          response: await client.send({
            method: 'POST',
            path: operation.template,
            headers: headers({ 'Content-Type': 'application/json' }),
            body: JSON.stringify(body),
          }),
        });
      } else if (operation.template === '/v1/sandbox/runs') {
        const refused = await client.send({
          method: 'POST',
          path: operation.template,
          headers: headers({ 'Content-Type': 'application/json' }),
          body: JSON.stringify({
            population: { customerIds: [CUSTOMER] },
            definitions: [
              {
                id: 'peek',
                name: 'peek',
                kind: 'number',
                purpose: 'risk',
                category: 'credit_risk',
                rule: { var: 'bureau.otherDebt' },
              },
            ],
          }),
        });
        expect(refused.status).toBe(403);
        answers.push({ what: label(operation), response: refused });
      } else {
        // Writes: a request the route refuses or that changes nothing, its answer checked all the same.
        const request = harmlessRequest(operation);
        answers.push({
          what: label(operation),
          response: await client.send({
            method: operation.method,
            path: request.path,
            headers: headers(takesBody(operation) ? { 'Content-Type': contentTypeOf(operation) } : {}),
            body: request.body,
          }),
        });
      }
    }
    const visited = new Set(answers.map((answer) => answer.what.split(' ')[0]));
    expect(visited.size).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(operations.length);
    const leaked = answers
      .filter(({ response }) => leaks(response.text).length > 0)
      .map(({ what, response }) => `${what}: ${leaks(response.text).join(', ')}`);
    expect(leaked).toEqual([]);
    // The views were really served, not refused.
    const explain = answers.find((answer) => answer.what.includes('/tags/debt_to_income_ratio/explain'));
    expect(explain?.response.status).toBe(200);
    expect(explain?.response.text).toContain('‹redacted›');
    const inWords = answers.find((answer) =>
      answer.what.includes('/tags/debt_to_income_ratio/explain?format=text&lang=en'),
    );
    expect(inWords?.response.status).toBe(200);
    expect(inWords?.response.text).toContain('withheld');
    const byValue = answers.filter(
      (answer) => answer.what.includes('/members?value=') && answer.response.status === 200,
    );
    expect(byValue.length).toBeGreaterThan(0);
    const bureauColumn = answers.filter((answer) => answer.what.includes('columns=profile%3Abureau'));
    expect(bureauColumn.length).toBeGreaterThan(0);
    // Refused: 403 for the scope, or 400 first where the request is wrong in another way (an audience
    // with no such value, columns on a size).
    expect(
      bureauColumn.filter((answer) => answer.response.status < 400).map((answer) => answer.what),
    ).toEqual([]);
    expect(bureauColumn.filter((answer) => answer.response.status === 403).length).toBeGreaterThan(0);
    const stability = answers.find((answer) =>
      answer.what.startsWith('GET /v1/tags/default_risk_score/stability'),
    );
    expect(stability?.response.status).toBe(200);
    const sandboxCustomers = answers.filter(
      (answer) => answer.what.includes('/customers?change=') && answer.response.status === 200,
    );
    expect(sandboxCustomers.length).toBe(9);
    // Insights were served too; the distribution of a tag computed from bureau data alone was refused.
    const status = (prefix: string) =>
      answers.find((answer) => answer.what.startsWith(prefix))?.response.status;
    expect(status('GET /v1/tags/debt_to_income_ratio/distribution')).toBe(200);
    expect(status('GET /v1/tags/bureau_score_band/distribution')).toBe(403);
    expect(status('GET /v1/insights/breakdown?audience=debt_to_income_ratio=0..1000000&by=risk_score')).toBe(
      200,
    );
    expect(
      status('GET /v1/insights/breakdown?audience=debt_to_income_ratio=0..1000000&by=bureau_score_band'),
    ).toBe(403);
    expect(status('GET /v1/audiences/debt_to_income_ratio/sizes?min=0&max=1000000')).toBe(200);
    const batchedSizes = answers.filter((answer) => answer.what.startsWith('GET /v1/audiences/sizes?ids='));
    expect(batchedSizes.length).toBeGreaterThan(0);
    expect(batchedSizes.map((answer) => answer.response.status)).toEqual(batchedSizes.map(() => 200));
    for (const route of ['overlap', 'count', 'export'])
      expect(status(`POST /v1/insights/${route}`)).toBe(200);
  }, 180_000);
});
