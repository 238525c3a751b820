import { Client } from 'pg';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

describe('profile writes are evaluated by the worker', () => {
  let api: ApiHarness;
  let worker: { close: () => Promise<void> };
  let db: Client;

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  const tagsOf = async (customerId: string, evaluatedVersion: number) =>
    eventually(async () => {
      const response = await api.http.get(`/v1/customers/${customerId}/tags`).set(auth()).expect(200);
      return response.body.evaluatedVersion >= evaluatedVersion ? response.body : undefined;
    });

  it('activates the shipped catalog at start-up', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM tag_definition WHERE status = 'active'`);
    expect(rows[0].n).toBeGreaterThanOrEqual(118);
  });

  it('sets a tag when a PATCH crosses its rule, with one history row per change', async () => {
    await api.http
      .put('/v1/customers/EV-1/profile')
      .set(auth())
      .send({ marketing: { optOut: false, contacts30d: 0 } })
      .expect(200);
    const first = await tagsOf('EV-1', 1);
    expect(first.tags.map((tag: { tagId: string }) => tag.tagId)).not.toContain('opted_out');

    await api.http
      .patch('/v1/customers/EV-1/profile')
      .set(auth())
      .send({ marketing: { optOut: true } })
      .expect(200);
    const second = await tagsOf('EV-1', 2);
    const optedOut = second.tags.find((tag: { tagId: string }) => tag.tagId === 'opted_out');
    expect(optedOut).toMatchObject({ value: true, tagVersion: 1 });
    expect(second.tags.map((tag: { tagId: string }) => tag.tagId)).toContain('do_not_market');

    const { rows } = await db.query(
      `SELECT tag_id, old_value, new_value, profile_version, cause FROM tag_event
        WHERE customer_id = 'EV-1' AND tag_id = 'opted_out'`,
    );
    expect(rows).toEqual([
      { tag_id: 'opted_out', old_value: null, new_value: true, profile_version: '2', cause: 'profile' },
    ]);

    // The lookup renders the stored rows as they are: ordered by tag id, `since` in ISO 8601.
    const stored = await db.query(
      `SELECT tag_id, value, tag_version, since FROM customer_tag WHERE customer_id = 'EV-1' ORDER BY tag_id`,
    );
    expect(second.tags).toEqual(
      stored.rows.map((row: { tag_id: string; value: unknown; tag_version: number; since: Date }) => ({
        tagId: row.tag_id,
        value: row.value,
        since: row.since.toISOString(),
        tagVersion: row.tag_version,
      })),
    );
  });

  it('keeps history in monthly partitions created ahead by the worker', async () => {
    const partitions = await db.query(
      `SELECT relname FROM pg_class WHERE relname ~ '^tag_history_y[0-9]{4}m[0-9]{2}$'`,
    );
    expect(partitions.rows.length).toBeGreaterThanOrEqual(3);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM tag_history_default`);
    expect(rows[0].n).toBe(0);
    const all = await db.query(`SELECT count(*)::int AS n FROM tag_event`);
    expect(all.rows[0].n).toBeGreaterThan(0);
  });

  it('answers 404 for the tags of an unknown customer', async () => {
    await api.http.get('/v1/customers/nobody/tags').set(auth()).expect(404);
  });
});
