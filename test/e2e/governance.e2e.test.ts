import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const highSpender = JSON.parse(readFileSync('tag-definitions/tags/high_spender.json', 'utf8')) as Record<
  string,
  unknown
>;

describe('governance', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let maker: string;
  let checker: string;
  let marketing: string;

  beforeAll(async () => {
    api = await startApi({ REQUIRE_APPROVAL: 'true' });
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const keys = api.app.get(ApiKeyService);
    maker = (await keys.create({ name: 'analyst', scopes: ['definitions:write', 'tags:read'] }, null)).key;
    checker = (await keys.create({ name: 'risk-lead', scopes: ['definitions:write'] }, null)).key;
    marketing = (
      await keys.create({ name: 'campaigns', scopes: ['tags:read', 'profiles:read', 'segments:read'] }, null)
    ).key;
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('needs a second key to approve a version before it can be activated', async () => {
    const changed = {
      ...highSpender,
      rule: { '>=': [{ var: 'transactions.spend30d' }, 15000] },
      examples: undefined,
    };
    const draft = await api.http.post('/v1/tags').set(auth(maker)).send(changed).expect(201);
    const version = draft.body.version as number;

    const early = await api.http
      .post(`/v1/tags/high_spender/versions/${version}:activate`)
      .set(auth(maker))
      .expect(409);
    expect(early.body.error.message).toMatch(/approval/);

    const self = await api.http
      .post(`/v1/tags/high_spender/versions/${version}:approve`)
      .set(auth(maker))
      .expect(403);
    expect(self.body.error.message).toMatch(/different key/);

    const diff = await api.http
      .get(`/v1/tags/high_spender/versions/${version}/diff`)
      .set(auth(maker))
      .expect(200);
    expect(diff.body.against).toEqual({ version: 1, status: 'active' });
    const paths = diff.body.changes.map((change: { path: string }) => change.path) as string[];
    expect(paths.some((path) => path.startsWith('/rule'))).toBe(true);
    expect(diff.body.before.rule).toEqual(highSpender.rule);
    expect(diff.body.after.rule).toEqual(changed.rule);

    await api.http.post(`/v1/tags/high_spender/versions/${version}:approve`).set(auth(checker)).expect(200);
    await api.http.post(`/v1/tags/high_spender/versions/${version}:approve`).set(auth(checker)).expect(409);
    const activated = await api.http
      .post(`/v1/tags/high_spender/versions/${version}:activate`)
      .set(auth(maker))
      .expect(202);
    expect(activated.body.runId).toEqual(expect.any(String));
  });

  it('keeps an audit trail of who changed which rule and when, readable by admins only', async () => {
    const trail = await api.http.get('/v1/audit?entity=tag_definition&limit=5').set(auth()).expect(200);
    const actions = trail.body.items.map((item: { action: string; actor: { name: string } }) => [
      item.action,
      item.actor.name,
    ]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['definition.draft', 'analyst'],
        ['definition.approve', 'risk-lead'],
        ['definition.activate', 'analyst'],
      ]),
    );
    const page = await api.http.get('/v1/audit?limit=1').set(auth()).expect(200);
    const next = await api.http
      .get(`/v1/audit?limit=1&cursor=${page.body.nextCursor}`)
      .set(auth())
      .expect(200);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(page.body.items[0].id));
    await api.http.get('/v1/audit').set(auth(maker)).expect(403);
  });

  it('makes the audit log append-only for the application role', async () => {
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL ROLE tagforge_app');
      await db.query(
        `INSERT INTO audit_log (actor_name, action, entity, entity_id) VALUES ('t', 'test', 'test', '1')`,
      );
      await expect(db.query(`UPDATE audit_log SET actor_name = 'x'`)).rejects.toThrow(/permission denied/);
    } finally {
      await db.query('ROLLBACK');
    }
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL ROLE tagforge_app');
      await expect(db.query(`DELETE FROM audit_log`)).rejects.toThrow(/permission denied/);
    } finally {
      await db.query('ROLLBACK');
    }
  });

  it('never shows bureau data to a marketing key, in profiles or in explanations of marketing tags', async () => {
    await api.http
      .put('/v1/customers/G-1/profile')
      .set(auth())
      .send({ bureau: { score: 790, inquiries3m: 0, dishonestDebtor: false }, marketing: { optOut: false } })
      .expect(200);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT evaluated_version FROM customer_profile WHERE customer_id = 'G-1'`,
      );
      return Number(rows[0].evaluated_version) === 1 ? true : undefined;
    });
    const profile = await api.http.get('/v1/customers/G-1/profile').set(auth(marketing)).expect(200);
    expect(profile.body.profile.bureau).toBeUndefined();
    const explanation = await api.http
      .get('/v1/customers/G-1/tags/instant_approval_offer/explain')
      .set(auth(marketing))
      .expect(200);
    expect(explanation.body.purpose).toBe('marketing');
    expect(JSON.stringify(explanation.body)).not.toContain('790');
    expect(JSON.stringify(explanation.body)).toContain('credit-bureau');
  });

  it('erases a customer from every table and tells changes-feed consumers that it left', async () => {
    await api.http
      .put('/v1/customers/G-2/profile')
      .set(auth())
      .send({ marketing: { optOut: true } })
      .expect(200);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_tag WHERE customer_id = 'G-2' AND tag_id = 'do_not_market'`,
      );
      return rows[0].n === 1 ? true : undefined;
    });
    const erased = await api.http.delete('/v1/customers/G-2').set(auth()).expect(200);
    expect(erased.body.removed.profiles).toBe(1);
    expect(erased.body.removed.tags).toBeGreaterThan(0);
    await api.http.get('/v1/customers/G-2/tags').set(auth()).expect(404);
    const { rows } = await db.query(
      `SELECT cause, old_value, new_value FROM tag_event WHERE customer_id = 'G-2'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toEqual({ cause: 'erasure', old_value: true, new_value: null });
    const members = await api.http.get('/v1/segments/do_not_market/members').set(auth()).expect(200);
    expect(members.body.items.map((item: { customerId: string }) => item.customerId)).not.toContain('G-2');
    await eventually(async () => {
      const feed = await api.http
        .get('/v1/segments/do_not_market/changes?limit=10000')
        .set(auth())
        .expect(200);
      const last = feed.body.items.filter((item: { customerId: string }) => item.customerId === 'G-2').pop();
      return last?.change === 'exited' ? true : undefined;
    });
    const audit = await api.http.get('/v1/audit?entity=customer').set(auth()).expect(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'customer.erase', entityId: 'G-2' });
  });
});

describe('rate limiting per key', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ RATE_LIMIT_PER_SECOND: '5' });
  });
  afterAll(() => api.close());

  it('answers 429 with Retry-After once a key exceeds its rate', async () => {
    const statuses: number[] = [];
    let limited: { headers: Record<string, string>; body: { error: { code: string } } } | undefined;
    for (let index = 0; index < 12; index += 1) {
      const response = await api.http.get('/v1/tags').set(auth());
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(5);
    expect(limited).toBeDefined();
    expect(limited!.headers['retry-after']).toEqual(expect.any(String));
    expect(limited!.body.error.code).toBe('RATE_LIMITED');
  });
});
