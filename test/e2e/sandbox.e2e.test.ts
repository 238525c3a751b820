import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { syntheticProfiles } from '@tagforge/demo-data';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const lowRisk = JSON.parse(readFileSync('tag-definitions/tags/low_risk.json', 'utf8')) as {
  rule: { and: unknown[] };
  examples?: unknown;
};
// The risk analyst's change: accept bureau scores from 620 instead of 680.
const lowered = {
  ...lowRisk,
  examples: undefined,
  rule: {
    and: lowRisk.rule.and.map((part) =>
      JSON.stringify(part) === JSON.stringify({ '>=': [{ var: 'bureau.score' }, 680] })
        ? { '>=': [{ var: 'bureau.score' }, 620] }
        : part,
    ),
  },
};

describe('the sandbox', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let analyst: string;
  let riskLead: string;

  const carriers = async (tagId: string) =>
    (await db.query(`SELECT customer_id FROM customer_tag WHERE tag_id = $1 ORDER BY 1`, [tagId])).rows.map(
      (row: { customer_id: string }) => row.customer_id,
    );
  const liveState = async () => Number((await db.query(`SELECT count(*) FROM tag_event`)).rows[0].count);
  const finished = (runId: string) =>
    eventually(async () => {
      const run = (await api.http.get(`/v1/sandbox/runs/${runId}`).set(auth(analyst)).expect(200)).body;
      return run.status === 'succeeded' ? run : undefined;
    }, 30_000);
  const listAll = async (runId: string, change: string, tagId: string) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { customerId: string }[]; nextCursor: string | null } } = await api.http
        .get(
          `/v1/sandbox/runs/${runId}/customers?change=${change}&tagId=${tagId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        )
        .set(auth(analyst))
        .expect(200);
      ids.push(...page.body.items.map((item) => item.customerId));
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids;
  };

  beforeAll(async () => {
    api = await startApi({ REQUIRE_APPROVAL: 'true' });
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const keys = api.app.get(ApiKeyService);
    analyst = (
      await keys.create({ name: 'analyst', scopes: ['definitions:write', 'tags:read', 'bureau:read'] }, null)
    ).key;
    riskLead = (await keys.create({ name: 'risk-lead', scopes: ['definitions:write'] }, null)).key;
    const lines = [...syntheticProfiles({ customers: 400, seed: 11, now: Date.now() })].map((record) =>
      JSON.stringify(record),
    );
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(lines.join('\n'))
      .expect(200);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('shows who would enter and leave, moves segments, writes nothing live, and matches the live result after publishing', async () => {
    const lowRiskBefore = await carriers('low_risk');
    const offerBefore = await carriers('instant_approval_offer');
    const eventsBefore = await liveState();

    const started = await api.http
      .post('/v1/sandbox/runs')
      .set(auth(analyst))
      .send({ definitions: [lowered], population: 'all' })
      .expect(202);
    const run = await finished(started.body.runId);
    expect(await liveState()).toBe(eventsBefore);

    const draft = run.tags[0];
    expect(draft).toMatchObject({ tagId: 'low_risk', setBefore: lowRiskBefore.length });
    expect(draft.entered).toBeGreaterThan(0);
    expect(draft.set).toBe(draft.setBefore + draft.entered - draft.left);
    const offer = run.segments.find(
      (segment: { segmentId: string }) => segment.segmentId === 'instant_approval_offer',
    );
    expect(offer.sizeNow).toBe(offerBefore.length);
    expect(offer.sizeWithDraft - offer.sizeNow).toBe(offer.entered - offer.left);

    const entered = await listAll(run.id, 'entered', 'low_risk');
    const left = await listAll(run.id, 'left', 'low_risk');
    expect(entered).toHaveLength(draft.entered);
    const explained = await api.http
      .get(`/v1/sandbox/runs/${run.id}/customers?change=entered&limit=3`)
      .set(auth(analyst))
      .expect(200);
    for (const item of explained.body.items) {
      expect(item.after).toBe(true);
      expect(item.account).toMatch(/bureau\.score/);
      expect(item.reads['bureau.score']).toBeGreaterThanOrEqual(620);
      expect(item.reads['bureau.score']).toBeLessThan(680);
    }
    const offerEntered = await listAll(run.id, 'entered', 'instant_approval_offer');

    const published = await api.http
      .post(`/v1/sandbox/runs/${run.id}:publish`)
      .set(auth(analyst))
      .expect(201);
    const version = published.body.drafts[0].version as number;
    await api.http.post(`/v1/tags/low_risk/versions/${version}:approve`).set(auth(analyst)).expect(403);
    await api.http.post(`/v1/tags/low_risk/versions/${version}:approve`).set(auth(riskLead)).expect(200);
    const activation = await api.http
      .post(`/v1/tags/low_risk/versions/${version}:activate`)
      .set(auth(analyst))
      .expect(202);
    await eventually(async () => {
      const live = (await api.http.get(`/v1/runs/${activation.body.runId}`).set(auth(analyst)).expect(200))
        .body;
      return live.status === 'succeeded' ? live : undefined;
    }, 30_000);

    const lowRiskAfter = await carriers('low_risk');
    expect(lowRiskAfter.filter((id) => !lowRiskBefore.includes(id))).toEqual(entered);
    expect(lowRiskBefore.filter((id) => !lowRiskAfter.includes(id))).toEqual(left);
    const offerAfter = await carriers('instant_approval_offer');
    expect(offerAfter.filter((id) => !offerBefore.includes(id))).toEqual(offerEntered);
    expect(offerAfter).toHaveLength(offer.sizeWithDraft);
  });

  it('runs on a seeded sample or a list of customers, and refuses bad requests', async () => {
    const sample = await api.http
      .post('/v1/sandbox/runs')
      .set(auth(analyst))
      .send({ definitions: [lowered], population: { sample: 50, seed: 3 } })
      .expect(202);
    expect(sample.body.customers).toBe(50);
    expect((await finished(sample.body.runId)).progress).toMatchObject({ total: 50, done: 50 });
    const again = await api.http
      .post('/v1/sandbox/runs')
      .set(auth(analyst))
      .send({ definitions: [lowered], population: { sample: 50, seed: 3 } })
      .expect(202);
    const first = (await finished(sample.body.runId)).tags[0];
    const second = (await finished(again.body.runId)).tags[0];
    expect(second).toEqual(first);

    const listed = await api.http
      .post('/v1/sandbox/runs')
      .set(auth(analyst))
      .send({ definitions: [lowered], population: { customerIds: ['C0000001', 'C0000002', 'nobody'] } })
      .expect(202);
    expect(listed.body.customers).toBe(2);

    await api.http.post('/v1/sandbox/runs').set(auth(analyst)).send({ definitions: [] }).expect(400);
    await api.http
      .post('/v1/sandbox/runs')
      .set(auth(analyst))
      .send({ definitions: [{ ...lowered, rule: { '>=': [{ var: 'bureau.scroe' }, 1] } }] })
      .expect(422);
    await api.http
      .get('/v1/sandbox/runs/00000000-0000-0000-0000-000000000000')
      .set(auth(analyst))
      .expect(404);
  });
});
