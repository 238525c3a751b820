import { Client } from 'pg';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';
import { createTestDatabase } from '../support/test-database';

const LAG = 'tagforge-replica-lag';

// Which reads DATABASE_READ_URL serves. The "replica" here is a copy of the primary's customer tables
// taken at one moment, so that every answer shows where it was read: serving reads (a customer's
// tags, lookups, history, members pages and exports, insights' aggregations) answer from the copy
// with the lag header;
// profiles, feeds and writes answer from the primary without it; a customer only the primary knows
// is never reported missing. (A real streaming replica: test/reliability/read-replica.reliability.ts.)
describe('reads from a replica (DATABASE_READ_URL)', () => {
  let primary: ApiHarness;
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let replica: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Client;
  const ids = Array.from({ length: 12 }, (_, index) => `RR-${String(index).padStart(2, '0')}`);

  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
  const optOut = (customerId: string, value: boolean) =>
    api.http
      .patch(`/v1/customers/${customerId}/profile`)
      .set(auth())
      .send({ marketing: { optOut: value } })
      .expect(200);
  const text = (request: ReturnType<ApiHarness['http']['get']>) =>
    request.buffer(true).parse((response, done) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => done(null, body));
    });

  beforeAll(async () => {
    primary = await startApi();
    worker = await startWorker(primary);
    db = new Client({ connectionString: primary.databaseUrl });
    await db.connect();
    await primary.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(
        ids
          .map((customerId, index) =>
            JSON.stringify({ customerId, profile: { marketing: { optOut: index < 4 } } }),
          )
          .join('\n'),
      )
      .expect(200);
    await drained();
    // The replica as of now: the customer tables copied row for row.
    replica = await createTestDatabase();
    const copy = new Client({ connectionString: replica.url });
    await copy.connect();
    try {
      for (const table of ['customer_profile', 'customer_tag', 'tag_event']) {
        const { rows } = await db.query(`SELECT coalesce(json_agg(t), '[]') AS rows FROM ${table} t`);
        await copy.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1)`, [
          JSON.stringify(rows[0].rows),
        ]);
      }
    } finally {
      await copy.end();
    }
    api = await startApi(
      { DATABASE_READ_URL: replica.url },
      { databaseUrl: primary.databaseUrl, queuePrefix: primary.queuePrefix },
    );
    // After the copy, on the primary only: RR-00 opts back in, RR-11 opts out, RR-NEW arrives.
    await optOut(ids[0], false);
    await optOut(ids[11], true);
    await api.http
      .put('/v1/customers/RR-NEW/profile')
      .set(auth())
      .send({ marketing: { optOut: true } })
      .expect(200);
    await drained();
  });
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await primary?.close();
    await replica?.drop();
  });

  it("serves a customer's tags from the replica, saying how stale they may be", async () => {
    const response = await api.http.get(`/v1/customers/${ids[0]}/tags`).set(auth()).expect(200);
    expect(response.body.tags.map((tag: { tagId: string }) => tag.tagId)).toContain('opted_out');
    expect(response.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    // The primary has it opted back in.
    const fresh = await primary.http.get(`/v1/customers/${ids[0]}/tags`).set(auth()).expect(200);
    expect(fresh.body.tags.map((tag: { tagId: string }) => tag.tagId)).not.toContain('opted_out');
    expect(fresh.headers[LAG]).toBeUndefined();
  });

  it('never calls a customer only the primary knows missing', async () => {
    const single = await api.http.get('/v1/customers/RR-NEW/tags').set(auth()).expect(200);
    expect(single.body.customerId).toBe('RR-NEW');
    const lookup = await api.http
      .post('/v1/customers/tags:lookup')
      .set(auth())
      .send({ customerIds: [ids[1], 'RR-NEW', 'RR-NONE'], tagIds: ['opted_out'] })
      .expect(200);
    expect(lookup.body.customers.map((entry: { customerId: string }) => entry.customerId)).toEqual([
      ids[1],
      'RR-NEW',
    ]);
    expect(lookup.body.unknown).toEqual(['RR-NONE']);
    expect(lookup.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    await api.http.get('/v1/customers/RR-NONE/tags').set(auth()).expect(404);
  });

  it('pages and exports audience members from the replica, with the header', async () => {
    const page = await api.http.get('/v1/tags/opted_out/members?limit=100').set(auth()).expect(200);
    expect(page.body.items.map((item: { customerId: string }) => item.customerId)).toEqual(ids.slice(0, 4));
    expect(page.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    const csv = await text(
      api.http.get('/v1/tags/opted_out/members').set({ ...auth(), Accept: 'text/csv' }),
    ).expect(200);
    expect(
      (csv.body as string)
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
    ).toEqual(ids.slice(0, 4));
    expect(csv.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    const history = await api.http.get(`/v1/customers/${ids[0]}/tags/history`).set(auth()).expect(200);
    expect(history.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    // The primary's answer, for contrast.
    const live = await primary.http.get('/v1/tags/opted_out/members?limit=100').set(auth()).expect(200);
    expect(live.body.items.map((item: { customerId: string }) => item.customerId)).toEqual([
      ...ids.slice(1, 4),
      ids[11],
      'RR-NEW',
    ]);
  });

  it("answers overlaps and ad-hoc counts from the replica, with the header, and size series from the primary's rollup", async () => {
    const overlap = await api.http
      .post('/v1/insights/overlap')
      .set(auth())
      .send({ audiences: ['opted_out'] })
      .expect(200);
    expect(overlap.body.intersections).toEqual([[4]]);
    expect(overlap.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    const count = await api.http
      .post('/v1/insights/count')
      .set(auth())
      .send({ rule: { var: 'tags.opted_out' } })
      .expect(200);
    expect(count.body.size).toBe(4);
    expect(count.headers[LAG]).toMatch(/^\d+\.\d{3}$/);
    const live = await primary.http
      .post('/v1/insights/overlap')
      .set(auth())
      .send({ audiences: ['opted_out'] })
      .expect(200);
    expect(live.body.intersections).toEqual([[5]]);
    const sizes = await api.http.get('/v1/audiences/opted_out/sizes?interval=day').set(auth()).expect(200);
    expect(sizes.body.points[sizes.body.points.length - 1].size).toBe(5);
    expect(sizes.headers[LAG]).toBeUndefined();
  });

  it('keeps profiles, feeds, sizes and writes on the primary, without the header', async () => {
    const profile = await api.http.get(`/v1/customers/${ids[0]}/profile`).set(auth()).expect(200);
    expect(profile.body.profile.marketing.optOut).toBe(false);
    expect(profile.headers[LAG]).toBeUndefined();
    const changes = await api.http.get('/v1/tags/opted_out/changes?limit=1000').set(auth()).expect(200);
    expect(changes.headers[LAG]).toBeUndefined();
    expect(changes.body.items.map((item: { customerId: string }) => item.customerId)).toEqual(
      expect.arrayContaining([ids[0], ids[11], 'RR-NEW']),
    );
    const summary = await api.http.get('/v1/tags/opted_out/size').set(auth()).expect(200);
    expect(summary.body.head).toEqual(expect.any(String));
    expect(summary.headers[LAG]).toBeUndefined();
    const write = await optOut(ids[5], false);
    expect(write.headers[LAG]).toBeUndefined();
  });
});
