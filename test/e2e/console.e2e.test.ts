import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKeyService } from '@tagforge/auth';
import { CONSOLE_DIR } from '../../apps/api/src/console/console-static';
import { auth, startApi, type ApiHarness } from '../support/api-harness';

// The console's two needs from the API: its static files at /console without a key, and the key's
// own scopes (GET /v1/auth/whoami). The screens themselves are tested in a browser (test/console).
describe('console serving and whoami', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers whoami for a key of any scope with its id, name and scopes, and 401 without a key', async () => {
    const keys = api.app.get(ApiKeyService);
    const agent = await keys.create({ name: 'call-centre', scopes: ['tags:read', 'profiles:read'] }, null);
    const response = await api.http.get('/v1/auth/whoami').set(auth(agent.key)).expect(200);
    expect(response.body).toEqual({
      keyId: agent.id,
      name: 'call-centre',
      scopes: ['tags:read', 'profiles:read'],
    });
    const writer = await keys.create({ name: 'feed', scopes: ['profiles:write'] }, null);
    expect((await api.http.get('/v1/auth/whoami').set(auth(writer.key)).expect(200)).body.scopes).toEqual([
      'profiles:write',
    ]);
    const refused = await api.http.get('/v1/auth/whoami').expect(401);
    expect(refused.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('is built by npm run build', () => {
    expect(CONSOLE_DIR).not.toBeNull();
  });

  it('serves index.html without a key, uncached, with a CSP that allows this origin only', async () => {
    const response = await api.http.get('/console/').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.text).toContain('<div id="root"></div>');
    await api.http.get('/console').expect(301).expect('location', '/console/');
  });

  it('serves hashed assets with long-cache headers and answers 404 for a missing one', async () => {
    const asset = readdirSync(join(CONSOLE_DIR!, 'assets')).find((file) => file.endsWith('.js'))!;
    const response = await api.http.get(`/console/assets/${asset}`).expect(200);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['content-type']).toMatch(/javascript/);
    const missing = await api.http.get('/console/assets/nope-123.js').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('answers client routes with the app, and never a file outside the console', async () => {
    const route = await api.http.get('/console/customers/C0000042').expect(200);
    expect(route.text).toContain('<div id="root"></div>');
    for (const path of [
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/assets/../../package.json',
    ]) {
      const response = await api.http.get(path);
      expect(response.text).not.toContain('"name": "tagforge"');
    }
  });
});
