import { auth, startApi, type ApiHarness } from '../support/api-harness';

describe('ops endpoints', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('reports live and ready', async () => {
    await api.http.get('/health/live').expect(200, { status: 'ok' });
    const ready = await api.http.get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('serves Prometheus metrics with the HTTP histogram and ingestion counters', async () => {
    await api.http.put('/v1/customers/M-1/profile').set(auth()).send({}).expect(200);
    const metrics = await api.http.get('/metrics').expect(200);
    expect(metrics.text).toContain('tagforge_http_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/route="\/v1\/customers\/:id\/profile"/);
    expect(metrics.text).toContain('tagforge_profile_writes_total');
  });

  it('serves OpenAPI and Swagger UI', async () => {
    const document = await api.http.get('/docs-json').expect(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers/{id}/profile',
        '/v1/profiles:batch',
        '/health/ready',
        '/metrics',
      ]),
    );
    await api.http.get('/docs').expect(200);
  });

  it('sends security headers and a request id', async () => {
    const response = await api.http.get('/health/live').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toBeDefined();
  });

  it("sends helmet's headers on answers, refusals and unknown routes alike", async () => {
    for (const response of [
      await api.http.get('/v1/tags').set(auth()).expect(200),
      await api.http.get('/v1/tags').expect(401),
      await api.http.get('/v1/nowhere').set(auth()).expect(404),
    ]) {
      expect(response.headers).toMatchObject({
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'cross-origin-opener-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const response = await api.http.get('/v1/nowhere').set(auth()).expect(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });
});

describe('with Redis unreachable', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ REDIS_URL: 'redis://127.0.0.1:6399' });
  });
  afterAll(() => api.close());

  it('is not ready, naming Redis, but still accepts profile writes', async () => {
    const ready = await api.http.get('/health/ready').expect(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.error).toMatchObject({ redis: { status: 'down' } });
    expect(ready.body.details.postgres.status).toBe('up');
    const write = await api.http
      .put('/v1/customers/R-1/profile')
      .set(auth())
      .send({ deposits: { balance: 1 } });
    expect(write.status).toBe(200);
    expect(write.body.version).toBe(1);
  });
});
