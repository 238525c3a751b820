import { ApiKeyService } from '@tagforge/auth';
import { auth, startApi, type ApiHarness } from '../support/api-harness';

interface Operation {
  method: string;
  path: string;
  scope: string;
}

// Every /v1 route, read from the OpenAPI document, with the scope it declares.
async function v1Operations(api: ApiHarness): Promise<Operation[]> {
  const document = (await api.http.get('/docs-json').expect(200)).body as {
    paths: Record<string, Record<string, { 'x-required-scope'?: string }>>;
  };
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method,
        path: path.replace(/\{[^}]+\}/g, 'C-1'),
        scope: operation['x-required-scope'] ?? '',
      })),
    );
}

describe('API keys and scopes', () => {
  let api: ApiHarness;
  let keys: ApiKeyService;

  beforeAll(async () => {
    api = await startApi();
    keys = api.app.get(ApiKeyService);
  });
  afterAll(() => api.close());

  const send = (operation: Operation, headers: Record<string, string>) => {
    const agent = api.http as unknown as Record<string, (path: string) => import('supertest').Test>;
    return agent[operation.method](operation.path).set(headers);
  };

  it('lists every /v1 route in OpenAPI with a declared scope', async () => {
    const operations = await v1Operations(api);
    expect(operations.length).toBeGreaterThanOrEqual(5);
    for (const operation of operations) expect(operation.scope).not.toBe('');
  });

  it('answers 401 on every /v1 route without a key, with an unknown key and with a revoked key', async () => {
    const revoked = await keys.create({ name: 'soon revoked', scopes: ['admin'] }, null);
    await keys.revoke(revoked.id, null);
    for (const operation of await v1Operations(api)) {
      for (const headers of [
        {},
        auth('tfk_00000000000000000000000000000000_' + 'x'.repeat(43)),
        auth(revoked.key),
      ]) {
        const response = await send(operation, headers);
        expect({ ...operation, status: response.status }).toEqual({ ...operation, status: 401 });
        expect(response.body.error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('answers 401 for an expired key', async () => {
    const expired = await keys.create(
      { name: 'expired', scopes: ['admin'], expiresAt: new Date(Date.now() - 1000) },
      null,
    );
    await api.http.get('/v1/customers/C-1/profile').set(auth(expired.key)).expect(401);
  });

  it('refuses a key from the instant it expires, and one revoked, though the API had verified it', async () => {
    const expiring = await keys.create(
      { name: 'expiring', scopes: ['tags:read'], expiresAt: new Date(Date.now() + 1500) },
      null,
    );
    const revoked = await keys.create({ name: 'revoked while in use', scopes: ['tags:read'] }, null);
    await api.http.get('/v1/tags').set(auth(expiring.key)).expect(200);
    await api.http.get('/v1/tags').set(auth(revoked.key)).expect(200);
    await keys.revoke(revoked.id, null);
    await api.http.get('/v1/tags').set(auth(revoked.key)).expect(401);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await api.http.get('/v1/tags').set(auth(expiring.key)).expect(401);
  });

  it('answers 403 on every /v1 route to a key without its scope, and lets the right scope through', async () => {
    // GET /v1/auth/whoami ("any") answers every valid key: tested in console.e2e.test.ts.
    for (const operation of (await v1Operations(api)).filter((candidate) => candidate.scope !== 'any')) {
      const other = operation.scope === 'segments:read' ? 'tags:read' : 'segments:read';
      const lacking = await keys.create({ name: `lacks ${operation.scope}`, scopes: [other] }, null);
      const refused = await send(operation, auth(lacking.key));
      expect({ ...operation, status: refused.status }).toEqual({ ...operation, status: 403 });
      expect(refused.body.error.code).toBe('FORBIDDEN');

      const holding = await keys.create(
        { name: `holds ${operation.scope}`, scopes: [operation.scope] },
        null,
      );
      const allowed = await send(operation, auth(holding.key));
      expect([401, 403]).not.toContain(allowed.status);
    }
  });

  it('opens a one-time download link (the only keyless route with data) to its token alone', async () => {
    const document = (await api.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-required-scope'?: string }>>;
    };
    // Every documented route outside /v1 that is not health, metrics or docs: only the download link.
    const keyless = Object.keys(document.paths).filter(
      (path) => !path.startsWith('/v1/') && !/^\/(health|metrics|docs)/.test(path),
    );
    expect(keyless).toEqual(['/exports/{token}']);
    const marketing = await keys.create({ name: 'links', scopes: ['segments:read'] }, null);
    const issued = await api.http
      .post('/v1/segments/do_not_market/members:export')
      .set(auth(marketing.key))
      .expect(201);
    // A key header does not open a link that is not its own token, nor does a guessed token.
    for (const headers of [{}, auth(), auth(marketing.key)]) {
      const guessed = await api.http.get(`/exports/${'x'.repeat(43)}`).set(headers);
      expect(guessed.status).toBe(401);
      expect(guessed.body.error.code).toBe('UNAUTHENTICATED');
    }
    await api.http.get(issued.body.url).expect(200);
    await api.http.get(issued.body.url).set(auth()).expect(401);
  });

  it('hides the bureau section from keys without bureau:read', async () => {
    const writer = await keys.create({ name: 'writer', scopes: ['profiles:write'] }, null);
    const reader = await keys.create({ name: 'reader', scopes: ['profiles:read'] }, null);
    const riskReader = await keys.create({ name: 'risk', scopes: ['profiles:read', 'bureau:read'] }, null);
    await api.http
      .put('/v1/customers/K-1/profile')
      .set(auth(writer.key))
      .send({ bureau: { score: 700 }, deposits: { balance: 5 } })
      .expect(200);
    const plain = await api.http.get('/v1/customers/K-1/profile').set(auth(reader.key)).expect(200);
    expect(plain.body.profile).toEqual({ deposits: { balance: 5 } });
    const risk = await api.http.get('/v1/customers/K-1/profile').set(auth(riskReader.key)).expect(200);
    expect(risk.body.profile.bureau).toEqual({ score: 700 });
  });

  it('stores keys hashed, never in clear', async () => {
    const created = await keys.create({ name: 'hashed', scopes: ['tags:read'] }, null);
    const rows = await api.app.get(ApiKeyService).list();
    expect(JSON.stringify(rows)).not.toContain(created.key.split('_')[2]);
  });
});
