import { createHash } from 'node:crypto';
import { ApiKeyService } from '@tagforge/auth';
import { AppConfig } from '@tagforge/common';
import { QueueProducer } from '@tagforge/queue';
import { Client } from 'pg';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// One-time download links (POST …/members:export): what the console uses so a browser saves a whole
// audience as a file without the page holding it. The link is the same export as the keyed one.
describe('export links', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let keys: ApiKeyService;
  const ids = Array.from({ length: 30 }, (_, index) => `EX-${String(index).padStart(2, '0')}`);

  const text = (request: ReturnType<ApiHarness['http']['get']>) =>
    request.buffer(true).parse((response, done) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => done(null, body));
    });
  const link = (path: string, key: Record<string, string> = auth()) => api.http.post(path).set(key);

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    keys = api.app.get(ApiKeyService);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(
        ids
          .map((customerId, index) =>
            JSON.stringify({
              customerId,
              profile: {
                marketing: { optOut: index % 3 === 0, preferredChannel: index % 2 === 0 ? 'sms' : 'app' },
                demographics: { cityTier: (index % 4) + 1 },
                bureau: { score: 560 + index * 9 },
              },
            }),
          )
          .join('\n'),
      )
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

  it('gives the keyed export once, without a key, as an attachment', async () => {
    const columns = 'tag:risk_grade,profile:demographics.cityTier';
    const keyed = await text(
      api.http.get(`/v1/tags/opted_out/members?columns=${columns}`).set({ ...auth(), Accept: 'text/csv' }),
    ).expect(200);
    const issued = await link(`/v1/tags/opted_out/members:export?columns=${columns}`).expect(201);
    expect(issued.body).toEqual({
      url: expect.stringMatching(/^\/exports\/[A-Za-z0-9_-]{43}$/),
      format: 'csv',
      expiresAt: expect.any(String),
    });
    const left = new Date(issued.body.expiresAt).getTime() - Date.now();
    expect(left).toBeGreaterThan(30_000);
    expect(left).toBeLessThanOrEqual(60_000);

    const downloaded = await text(api.http.get(issued.body.url)).expect(200);
    expect(downloaded.headers['content-type']).toContain('text/csv');
    expect(downloaded.headers['content-disposition']).toBe('attachment; filename="opted_out.csv"');
    expect(downloaded.body).toBe(keyed.body);
    const members = (
      await db.query(`SELECT customer_id FROM customer_tag WHERE tag_id = 'opted_out' ORDER BY customer_id`)
    ).rows.map((row: { customer_id: string }) => row.customer_id);
    expect(members.length).toBe(10);
    expect(
      (downloaded.body as string)
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
    ).toEqual(members);

    const again = await api.http.get(issued.body.url).expect(401);
    expect(again.body.error).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'this download link is unknown, used or expired',
    });
  });

  it('streams NDJSON, a segment and a category value, at asOf too', async () => {
    const segment = await link('/v1/segments/do_not_market/members:export?format=ndjson').expect(201);
    const keyed = await text(
      api.http.get('/v1/segments/do_not_market/members').set({ ...auth(), Accept: 'application/x-ndjson' }),
    ).expect(200);
    const body = await text(api.http.get(segment.body.url)).expect(200);
    expect(body.headers['content-type']).toContain('application/x-ndjson');
    expect(body.body).toBe(keyed.body);

    const asOf = new Date().toISOString();
    const channel = await link(`/v1/tags/preferred_channel/members:export?value=sms&asOf=${asOf}`).expect(
      201,
    );
    const csv = await text(api.http.get(channel.body.url)).expect(200);
    expect(csv.headers['tagforge-as-of']).toBe(asOf);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="preferred_channel-sms.csv"');
    expect((csv.body as string).trim().split('\n').length - 1).toBe(15);
  });

  it('refuses a link the export would refuse, when it is asked for', async () => {
    const marketing = await keys.create({ name: 'marketing', scopes: ['segments:read'] }, null);
    const tags = await keys.create({ name: 'crm', scopes: ['tags:read'] }, null);
    await link('/v1/segments/do_not_market/members:export', {}).expect(401);
    await link('/v1/segments/do_not_market/members:export', auth(tags.key)).expect(403);
    const bureau = await link(
      '/v1/segments/do_not_market/members:export?columns=profile:bureau.score',
      auth(marketing.key),
    ).expect(403);
    expect(bureau.body.error.message).toContain('bureau:read');
    await link('/v1/segments/no_such_segment/members:export').expect(404);
    await link('/v1/tags/opted_out/members:export?columns=tag:no_such_tag').expect(404);
    await link(
      `/v1/tags/opted_out/members:export?columns=profile:demographics.cityTier&asOf=${new Date().toISOString()}`,
    ).expect(400);
    await link('/v1/tags/opted_out/members:export?format=xlsx').expect(400);
    await link('/v1/segments/do_not_market/members:export')
      .send({ columns: ['tag:risk_grade'] })
      .expect(400);
    await link('/v1/segments/do_not_market/members:export')
      .set('Content-Type', 'application/json')
      .send('""')
      .expect(400);
    await link('/v1/tags/risk_grade/members:export?value=Z').expect(400);
    await api.http.get('/exports/not-a-token').expect(400);
    await api.http.get(`/exports/${'A'.repeat(43)}`).expect(401);
  });

  it('refuses a link whose key was revoked before the download started', async () => {
    const key = await keys.create({ name: 'soon revoked', scopes: ['segments:read'] }, null);
    const issued = await link('/v1/segments/do_not_market/members:export', auth(key.key)).expect(201);
    await keys.revoke(key.id, null);
    const refused = await api.http.get(issued.body.url).expect(401);
    expect(refused.body.error.message).toBe('the key that made this link is revoked or expired');
  });

  describe('an ad-hoc audience (POST /v1/insights/export:link)', () => {
    // Set algebra over boolean tags (counted by SQL), and a category value (by combinations of values).
    const rules = [
      { var: 'tags.opted_out' },
      { or: [{ var: 'tags.opted_out' }, { '==': [{ var: 'tags.preferred_channel' }, 'sms'] }] },
    ];
    const keyedExport = (body: object) =>
      text(api.http.post('/v1/insights/export').set(auth()).send(body)).expect(200);
    const adHocLink = (body: unknown, key: Record<string, string> = auth()) =>
      api.http
        .post('/v1/insights/export:link')
        .set(key)
        .send(body as object);
    const tokenKey = (url: string) =>
      `${api.app.get(AppConfig).QUEUE_PREFIX}:export-token:${createHash('sha256')
        .update(url.replace('/exports/', ''))
        .digest('hex')}`;

    it('gives the same list as the keyed export, once, without a key, as an attachment', async () => {
      for (const rule of rules) {
        const keyed = await keyedExport({ rule, format: 'csv' });
        expect((keyed.body as string).split('\n').length).toBeGreaterThan(3);
        const issued = await adHocLink({ rule }).expect(201);
        expect(issued.body).toEqual({
          url: expect.stringMatching(/^\/exports\/[A-Za-z0-9_-]{43}$/),
          format: 'csv',
          expiresAt: expect.any(String),
        });
        const downloaded = await text(api.http.get(issued.body.url)).expect(200);
        expect(downloaded.headers['content-type']).toContain('text/csv');
        expect(downloaded.headers['content-disposition']).toBe('attachment; filename="ad-hoc-audience.csv"');
        expect(downloaded.body).toBe(keyed.body);
        const again = await api.http.get(issued.body.url).expect(401);
        expect(again.body.error.message).toBe('this download link is unknown, used or expired');
      }
    });

    it('streams NDJSON and a past instant as asked', async () => {
      const asOf = new Date().toISOString();
      const body = { rule: rules[1], format: 'ndjson', asOf };
      const keyed = await keyedExport(body);
      const issued = await adHocLink(body).expect(201);
      expect(issued.body.format).toBe('ndjson');
      const downloaded = await text(api.http.get(issued.body.url)).expect(200);
      expect(downloaded.headers['content-type']).toContain('application/x-ndjson');
      expect(downloaded.headers['tagforge-as-of']).toBe(asOf);
      expect(downloaded.body).toBe(keyed.body);
    });

    it('expires: the token lives in Redis for 60 s at most, and is refused after', async () => {
      const issued = await adHocLink({ rule: rules[0] }).expect(201);
      const redis = api.app.get(QueueProducer).redis;
      const key = tokenKey(issued.body.url);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
      // Time passes: the key's expiry brought forward to now.
      await redis.pexpire(key, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const expired = await api.http.get(issued.body.url).expect(401);
      expect(expired.body.error.message).toBe('this download link is unknown, used or expired');
    });

    it('refuses a bad rule, a bad request or a key without insights:read when the link is asked for', async () => {
      const unknown = await adHocLink({ rule: { var: 'tags.no_such_tag' } }).expect(422);
      expect(unknown.body.error.message).toBe('the rule is not a valid ad-hoc audience');
      expect(unknown.body.error.details.problems[0]).toMatchObject({ code: 'unknown_tag' });
      await adHocLink({ rule: { var: 'profile.deposits.balance' } }).expect(422);
      await adHocLink({}).expect(400);
      await adHocLink({ rule: rules[0], format: 'xlsx' }).expect(400);
      await adHocLink({ rule: rules[0], columns: ['tag:risk_grade'] }).expect(400);
      await adHocLink({ rule: rules[0], asOf: '2999-01-01T00:00:00Z' }).expect(400);
      await adHocLink({ rule: rules[0] }, {}).expect(401);
      const segmentsOnly = await keys.create({ name: 'segments only', scopes: ['segments:read'] }, null);
      const refused = await adHocLink({ rule: rules[0] }, auth(segmentsOnly.key)).expect(403);
      expect(refused.body.error.message).toContain('insights:read');
    });

    it('refuses the download once the key that made the link is revoked', async () => {
      const key = await keys.create({ name: 'marketing, soon revoked', scopes: ['insights:read'] }, null);
      const issued = await adHocLink({ rule: rules[0] }, auth(key.key)).expect(201);
      await keys.revoke(key.id, null);
      const refused = await api.http.get(issued.body.url).expect(401);
      expect(refused.body.error.message).toBe('the key that made this link is revoked or expired');
    });
  });
});
