import { HEADLINE_SEGMENTS } from '@tagforge/catalog';
import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { syntheticCustomer } from '@tagforge/demo-data';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const HEADLINE = HEADLINE_SEGMENTS;
const CUSTOMERS = 400;
const NOW = Date.UTC(2026, 10, 28, 8);

// Insights over a population loaded and evaluated through the pipeline; every figure is checked
// against plain SQL over customer_tag / tag_event.
describe('insights', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let noBureau: string;
  let noInsights: string;

  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 60_000);
  const members = async (tagId: string, where = 'true'): Promise<string[]> =>
    (
      await db.query(
        `SELECT customer_id FROM customer_tag WHERE tag_id = $1 AND ${where} ORDER BY customer_id`,
        [tagId],
      )
    ).rows.map((row: { customer_id: string }) => row.customer_id);
  const population = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM customer_profile WHERE version > 0`)).rows[0].n as number;
  const post = (path: string, body: unknown, key?: string) =>
    api.http
      .post(path)
      .set(auth(key))
      .send(body as object);
  const get = (path: string, key?: string) => api.http.get(path).set(auth(key));

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const records = Array.from({ length: CUSTOMERS }, (_, i) => syntheticCustomer(16, i, NOW));
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(records.map((record) => JSON.stringify(record)).join('\n'))
      .expect(200);
    await drained();
    const keys = api.app.get(ApiKeyService);
    noBureau = (await keys.create({ name: 'insights only', scopes: ['insights:read'] }, null)).key;
    noInsights = (await keys.create({ name: 'segments only', scopes: ['segments:read'] }, null)).key;
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('gives each audience its size per day, equal to its current size today and to its history', async () => {
    for (const id of HEADLINE) {
      const sizes = (await get(`/v1/audiences/${id}/sizes?interval=day`).expect(200)).body;
      expect(sizes.lagSeconds).toBe(0);
      expect(sizes.points.length).toBeGreaterThanOrEqual(30);
      const today = sizes.points[sizes.points.length - 1];
      const current = (await members(id)).length;
      expect(today.size).toBe(current);
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE new_value IS NOT NULL AND old_value IS NULL)::int AS entered,
                count(*) FILTER (WHERE new_value IS NULL AND old_value IS NOT NULL)::int AS exited
           FROM tag_event WHERE tag_id = $1 AND at > $2`,
        [id, today.start],
      );
      expect({ entered: today.entered, exited: today.exited }).toEqual(rows[0]);
      // Every earlier day: nobody was there yet.
      expect(sizes.points.slice(0, -1).every((point: { size: number }) => point.size === 0)).toBe(true);
      const weekly = (await get(`/v1/audiences/${id}/sizes?interval=week`).expect(200)).body;
      const monthly = (await get(`/v1/audiences/${id}/sizes?interval=month`).expect(200)).body;
      expect(weekly.points[weekly.points.length - 1].size).toBe(current);
      expect(monthly.points[monthly.points.length - 1].size).toBe(current);
    }
    // Value audiences: a category by value, a number within bounds.
    const band = (await get('/v1/audiences/age_band/sizes?value=31_45').expect(200)).body;
    expect(band.points[band.points.length - 1].size).toBe(
      (await members('age_band', `value = '"31_45"'::jsonb`)).length,
    );
    const score = (await get('/v1/audiences/risk_score/sizes?min=10&max=40').expect(200)).body;
    expect(score.points[score.points.length - 1].size).toBe(
      (await members('risk_score', `(value)::numeric BETWEEN 10 AND 40`)).length,
    );
    await get('/v1/audiences/age_band/sizes').expect(400);
    await get('/v1/audiences/no_such_tag/sizes').expect(404);
    await get('/v1/audiences/do_not_market/sizes?interval=year').expect(400);
    await get('/v1/audiences/do_not_market/sizes?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z').expect(
      400,
    );
    await get('/v1/audiences/do_not_market/sizes?from=2020-01-01T00:00:00Z&interval=day').expect(400);
  });

  it('gives many audiences their sizes in one request, each equal to its own series', async () => {
    // The headline segments and a boolean tag.
    const ids = [...HEADLINE, 'high_intent'];
    const to = new Date(Date.now() - 60_000).toISOString();
    for (const range of [
      `interval=day&to=${to}`,
      `interval=week&to=${to}`,
      `interval=month&from=2026-01-01T00:00:00Z&to=${to}`,
    ]) {
      const batch = (await get(`/v1/audiences/sizes?ids=${ids.join(',')}&${range}`).expect(200)).body;
      expect(batch.items.map((series: { id: string }) => series.id)).toEqual(ids);
      for (const [i, id] of ids.entries()) {
        const single = (await get(`/v1/audiences/${id}/sizes?${range}`).expect(200)).body;
        expect(batch.items[i]).toEqual(single);
      }
    }
    // The defaults (30 days up to now): the same points as the single route's.
    const batch = (await get(`/v1/audiences/sizes?ids=${HEADLINE[0]}`).expect(200)).body;
    const single = (await get(`/v1/audiences/${HEADLINE[0]}/sizes`).expect(200)).body;
    const figures = (series: { points: { size: number; entered: number; exited: number }[] }) =>
      series.points.map(({ size, entered, exited }) => [size, entered, exited]);
    expect(batch.items).toHaveLength(1);
    expect(batch.items[0].interval).toBe('day');
    expect(figures(batch.items[0])).toEqual(figures(single));

    const refusal = async (query: string, status: number) =>
      (await get(`/v1/audiences/sizes${query}`).expect(status)).body.error.message as string;
    expect(await refusal('', 400)).toMatch(/ids is required/);
    expect(await refusal('?ids=', 400)).toMatch(/ids is required/);
    expect(await refusal('?ids=Bad-Id', 400)).toMatch(/ids\[0\] must be snake_case/);
    expect(await refusal(`?ids=${HEADLINE[0]},,${HEADLINE[1]}`, 400)).toMatch(/ids\[1\]/);
    const many = Array.from({ length: 21 }, (_, i) => `audience_${i}`).join(',');
    expect(await refusal(`?ids=${many}`, 400)).toMatch(/at most 20 ids \(21 given\)/);
    expect(await refusal(`?ids=do_not_market,${HEADLINE[0]},do_not_market`, 400)).toMatch(
      /do_not_market twice/,
    );
    expect(await refusal('?ids=do_not_market&ids=do_not_market', 400)).toMatch(/more than once/);
    expect(await refusal(`?ids=age_band,${HEADLINE[0]},risk_score`, 400)).toMatch(
      /age_band is a category tag, risk_score is a number tag/,
    );
    expect(await refusal(`?ids=no_such_tag,${HEADLINE[0]},nor_this_one`, 404)).toBe(
      'no active segment or tag no_such_tag, nor_this_one',
    );
    await refusal('?ids=do_not_market&interval=year', 400);
    await refusal('?ids=do_not_market&from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', 400);
    await refusal('?ids=do_not_market&from=2020-01-01T00:00:00Z&interval=day', 400);
    const refused = await get(`/v1/audiences/sizes?ids=${HEADLINE[0]}`, noInsights).expect(403);
    expect(refused.body.error.message).toMatch(/insights:read/);
    // No bureau rule on sizes, as on the single route: a key without bureau:read reads them too.
    await get(`/v1/audiences/sizes?ids=${HEADLINE.join(',')}`, noBureau).expect(200);
  });

  it('answers the overlap of the 8 headline segments exactly, now and at an instant', async () => {
    const sets = await Promise.all(HEADLINE.map(async (id) => new Set(await members(id))));
    const check = (body: {
      intersections: number[][];
      jaccard: number[][];
      audiences: { size: number }[];
    }) => {
      for (let i = 0; i < HEADLINE.length; i += 1) {
        expect(body.audiences[i].size).toBe(sets[i].size);
        for (let j = 0; j < HEADLINE.length; j += 1) {
          const both = [...sets[i]].filter((id) => sets[j].has(id)).length;
          expect(body.intersections[i][j]).toBe(both);
          const either = sets[i].size + sets[j].size - both;
          expect(body.jaccard[i][j]).toBeCloseTo(either === 0 ? 0 : both / either, 12);
        }
      }
    };
    const now = (await post('/v1/insights/overlap', { audiences: HEADLINE }).expect(200)).body;
    check(now);
    const union = new Set(sets.flatMap((set) => [...set])).size;
    expect(now.union).toBe(union);
    const atInstant = (
      await post('/v1/insights/overlap', { audiences: HEADLINE, asOf: new Date().toISOString() }).expect(200)
    ).body;
    check(atInstant);
    const valued = (
      await post('/v1/insights/overlap', { audiences: ['age_band=31_45', 'risk_score=..20'] }).expect(200)
    ).body;
    expect(valued.audiences.map((a: { size: number }) => a.size)).toEqual([
      (await members('age_band', `value = '"31_45"'::jsonb`)).length,
      (await members('risk_score', `(value)::numeric <= 20`)).length,
    ]);
    await post('/v1/insights/overlap', { audiences: [] }).expect(400);
    await post('/v1/insights/overlap', { audiences: Array(21).fill('do_not_market') }).expect(400);
    await post('/v1/insights/overlap', { audiences: ['Bad Id'] }).expect(400);
    await post('/v1/insights/overlap', { audiences: ['age_band'] }).expect(400);
    await post('/v1/insights/overlap', { audiences: ['no_such_tag'] }).expect(404);
    await post('/v1/insights/overlap', { audiences: ['do_not_market'], asOf: '2999-01-01T00:00:00Z' }).expect(
      400,
    );
    await post('/v1/insights/overlap', { audiences: ['do_not_market'], extra: 1 }).expect(400);
  });

  it('counts an ad-hoc rule as a segment with that rule would, lists and exports its members', async () => {
    // The rule of do_not_market itself selects exactly its members.
    const dnm = (
      await db.query(`SELECT rule FROM tag_definition WHERE tag_id = 'do_not_market' AND status = 'active'`)
    ).rows[0].rule;
    const same = (await post('/v1/insights/count', { rule: dnm, sample: 100 }).expect(200)).body;
    const dnmMembers = await members('do_not_market');
    expect(same.size).toBe(dnmMembers.length);
    expect(same.sample).toEqual(dnmMembers.slice(0, 100));
    expect(same.population).toBe(await population());

    // high intent AND low risk AND NOT do-not-market: customers holding none of them count too.
    const rule = {
      and: [{ var: 'tags.high_intent' }, { var: 'tags.low_risk' }, { '!': { var: 'tags.do_not_market' } }],
    };
    const { rows } = await db.query(
      `SELECT p.customer_id FROM customer_profile p
        WHERE EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = p.customer_id AND t.tag_id = 'high_intent')
          AND EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = p.customer_id AND t.tag_id = 'low_risk')
          AND NOT EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = p.customer_id AND t.tag_id = 'do_not_market')
        ORDER BY 1`,
    );
    const expected = rows.map((row: { customer_id: string }) => row.customer_id);
    const counted = (await post('/v1/insights/count', { rule, sample: 5 }).expect(200)).body;
    expect(counted.size).toBe(expected.length);
    expect(counted.tags).toEqual(['do_not_market', 'high_intent', 'low_risk']);
    expect(counted.sample).toEqual(expected.slice(0, 5));
    // Counted as set algebra in SQL; the same rule behind an "if" goes through the evaluator per
    // combination of values: both must agree.
    expect(counted.combinations).toBeNull();
    const evaluated = (
      await post('/v1/insights/count', { rule: { if: [rule, true, false] }, sample: 5 }).expect(200)
    ).body;
    expect(evaluated.combinations).toBeGreaterThan(0);
    expect({ size: evaluated.size, sample: evaluated.sample }).toEqual({
      size: counted.size,
      sample: counted.sample,
    });

    // NOT alone selects customers without any tag of the rule.
    const notDnm = (
      await post('/v1/insights/count', { rule: { '!': { var: 'tags.do_not_market' } }, sample: 0 }).expect(
        200,
      )
    ).body;
    expect(notDnm.size).toBe((await population()) - dnmMembers.length);
    expect(notDnm.sample).toEqual([]);

    // A category value and a number comparison.
    const mixed = {
      and: [{ '==': [{ var: 'tags.age_band' }, '31_45'] }, { '<': [{ var: 'tags.risk_score' }, 25] }],
    };
    const mixedCount = (await post('/v1/insights/count', { rule: mixed }).expect(200)).body;
    const mixedExpected = (
      await db.query(
        `SELECT a.customer_id FROM customer_tag a JOIN customer_tag r ON r.customer_id = a.customer_id AND r.tag_id = 'risk_score'
          WHERE a.tag_id = 'age_band' AND a.value = '"31_45"'::jsonb AND (r.value)::numeric < 25 ORDER BY 1`,
      )
    ).rows.map((row: { customer_id: string }) => row.customer_id);
    expect(mixedCount.size).toBe(mixedExpected.length);

    const asOf = (
      await post('/v1/insights/count', { rule, asOf: new Date().toISOString(), sample: 5 }).expect(200)
    ).body;
    expect(asOf.size).toBe(expected.length);
    expect(asOf.sample).toEqual(expected.slice(0, 5));

    const csv = await post('/v1/insights/export', { rule, format: 'csv' }).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toBe(['customer_id', ...expected].join('\n') + '\n');
    const evaluatedCsv = await post('/v1/insights/export', {
      rule: { if: [rule, true, false] },
      format: 'csv',
    }).expect(200);
    expect(evaluatedCsv.text).toBe(csv.text);
    const ndjson = await api.http
      .post('/v1/insights/export')
      .set({ ...auth(), Accept: 'application/x-ndjson' })
      .send({ rule: { '!': { var: 'tags.do_not_market' } } })
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done(null, text));
      })
      .expect(200);
    const exported = (ndjson.body as string)
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { customerId: string }).customerId);
    expect(exported.length).toBe(notDnm.size);
    expect(exported.some((id) => dnmMembers.includes(id))).toBe(false);
    expect([...exported].sort()).toEqual(exported);

    // Validated like a segment rule.
    const profile = await post('/v1/insights/count', {
      rule: { '>': [{ var: 'deposits.balance' }, 5] },
    }).expect(422);
    expect(profile.body.error.details.problems[0].code).toBe('ad_hoc_reads_profile');
    const unknown = await post('/v1/insights/count', { rule: { var: 'tags.no_such_tag' } }).expect(422);
    expect(unknown.body.error.details.problems[0].code).toBe('unknown_tag');
    await post('/v1/insights/count', { rule: { log: 1 } }).expect(422);
    await post('/v1/insights/count', {}).expect(400);
    await post('/v1/insights/count', { rule, sample: 101 }).expect(400);
    await post('/v1/insights/export', { rule, format: 'xml' }).expect(400);
  });

  it('breaks an audience down by a category or number tag, with shares and TGI', async () => {
    const body = (
      await get('/v1/insights/breakdown?audience=high_intent_loan_demand&by=age_band').expect(200)
    ).body;
    const audience = await members('high_intent_loan_demand');
    expect(body.audience.size).toBe(audience.length);
    expect(body.population).toBe(await population());
    const total = body.rows.reduce((sum: number, row: { audience: number }) => sum + row.audience, 0);
    expect(total).toBe(audience.length);
    expect(body.rows.reduce((sum: number, row: { population: number }) => sum + row.population, 0)).toBe(
      body.population,
    );
    for (const row of body.rows as {
      key: string | null;
      audience: number;
      population: number;
      tgi: number | null;
    }[]) {
      const inPopulation =
        row.key === null
          ? body.population - (await members('age_band')).length
          : (await members('age_band', `value = '${JSON.stringify(row.key)}'::jsonb`)).length;
      expect(row.population).toBe(inPopulation);
      if (row.tgi !== null) {
        expect(row.tgi).toBeCloseTo(
          (row.audience / audience.length / (row.population / body.population)) * 100,
          9,
        );
      }
    }
    const binned = (
      await get('/v1/insights/breakdown?audience=do_not_market&by=risk_score&bins=10,25,40').expect(200)
    ).body;
    expect(binned.by.edges).toEqual([10, 25, 40]);
    expect(binned.rows.slice(0, 4).map((row: { label: string }) => row.label)).toEqual([
      '< 10',
      '[10, 25)',
      '[25, 40)',
      '>= 40',
    ]);
    const low = (
      await db.query(
        `SELECT count(*)::int AS n FROM customer_tag a JOIN customer_tag r ON r.customer_id = a.customer_id AND r.tag_id = 'risk_score'
        WHERE a.tag_id = 'do_not_market' AND (r.value)::numeric < 10`,
      )
    ).rows[0].n;
    expect(binned.rows[0].audience).toBe(low);
    const deciles = (await get('/v1/insights/breakdown?audience=age_band=31_45&by=risk_score').expect(200))
      .body;
    expect(deciles.by.edges.length).toBeGreaterThan(1);

    // Bureau-derived values need bureau:read.
    await get('/v1/insights/breakdown?audience=do_not_market&by=bureau_score_band', noBureau).expect(403);
    await get('/v1/insights/breakdown?audience=do_not_market&by=bureau_score_band').expect(200);
    await get('/v1/insights/breakdown?audience=do_not_market&by=high_intent').expect(400);
    await get('/v1/insights/breakdown?audience=do_not_market&by=age_band&bins=1,2').expect(400);
    await get('/v1/insights/breakdown?audience=do_not_market&by=risk_score&bins=3,2').expect(400);
    await get('/v1/insights/breakdown?audience=do_not_market&by=risk_score&bins=1&quantiles=4').expect(400);
    await get('/v1/insights/breakdown?by=age_band').expect(400);
    await get('/v1/insights/breakdown?audience=do_not_market&by=no_such_tag').expect(404);
    await get('/v1/insights/breakdown?audience=do_not_market&by=age_band', noInsights).expect(403);
  });

  it('gives a tag distribution with coverage and PSI between two instants', async () => {
    const category = (await get('/v1/tags/age_band/distribution').expect(200)).body;
    const { rows } = await db.query(
      `SELECT value #>> '{}' AS key, count(*)::int AS n FROM customer_tag WHERE tag_id = 'age_band' GROUP BY 1`,
    );
    const expected = Object.fromEntries(rows.map((row: { key: string; n: number }) => [row.key, row.n]));
    expect(
      Object.fromEntries(
        category.labels.map((label: string, i: number) => [label, category.current.counts[i]]),
      ),
    ).toEqual(expected);
    expect(category.current.population).toBe(await population());
    expect(category.current.coverage).toBeCloseTo(category.current.covered / category.current.population, 12);

    const before = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const number = (
      await get(`/v1/tags/risk_score/distribution?quantiles=5&compare=${before}`, noBureau).expect(200)
    ).body;
    expect(number.labels.length).toBe(number.edges.length + 1);
    expect(number.current.covered).toBe((await members('risk_score')).length);
    // An hour ago nobody had a value: every bin empty, the floor makes the PSI large.
    expect(number.compare.covered).toBe(0);
    expect(number.psi.band).toBe('major shift');
    const same = (
      await get(`/v1/tags/risk_score/distribution?bins=10,25,40&compare=${new Date().toISOString()}`).expect(
        200,
      )
    ).body;
    expect(same.psi).toEqual({ psi: 0, band: 'stable' });

    await get('/v1/tags/bureau_score_band/distribution', noBureau).expect(403);
    await get('/v1/tags/bureau_score_band/distribution').expect(200);
    // A bureau-only category's size series by value is a slice of that distribution.
    const slice = await get('/v1/audiences/bureau_score_band/sizes?value=good', noBureau).expect(403);
    expect(slice.body.error.message).toMatch(/credit-bureau data alone.*bureau:read/);
    await get('/v1/audiences/bureau_score_band/sizes?value=good').expect(200);
    await get('/v1/audiences/age_band/sizes?value=31_45', noBureau).expect(200);
    await get('/v1/tags/age_band/distribution?bins=1,2').expect(400);
    await get('/v1/tags/risk_score/distribution?quantiles=1').expect(400);
    await get('/v1/tags/no_such_tag/distribution').expect(404);
  });

  it('forgets an erased customer in the sizes, now and in the past', async () => {
    const [victim] = await members('do_not_market');
    const before = (await get('/v1/audiences/do_not_market/sizes').expect(200)).body;
    await api.http.delete(`/v1/customers/${victim}`).set(auth()).expect(200);
    const after = (await get('/v1/audiences/do_not_market/sizes').expect(200)).body;
    const last = (body: { points: { size: number; entered: number }[] }) =>
      body.points[body.points.length - 1];
    expect(last(after).size).toBe(last(before).size - 1);
    expect(last(after).size).toBe((await members('do_not_market')).length);
    // asOf no longer sees the customer either: the entry it made is gone, not followed by an exit.
    expect(last(after).entered).toBe(last(before).entered - 1);
  });
});
