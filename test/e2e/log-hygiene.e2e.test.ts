import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../support/test-database';

// The built API as production runs it (`npm test` builds first), logging at its most verbose; then
// its whole output and the queue's job payloads are searched for profile values and keys.
const API_ENTRY = 'dist/apps/api/src/main.js';
const PORT = 3917;
const KEY = 'log-hygiene-secret-key-9f8e7d6c5b4a';
const MARKERS = ['PIIMARKER-EMPLOYER-4711', '987654.321', '1977-03-14'];

describe('logs, errors and job payloads carry no secrets or profile contents', () => {
  let api: ChildProcess;
  let output = '';
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const prefix = `{tagforge-hygiene-${process.pid}}`;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${PORT}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${KEY}`,
        'Content-Type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  beforeAll(async () => {
    expect(existsSync(API_ENTRY)).toBe(true);
    database = await createTestDatabase();
    api = spawn(process.execPath, [API_ENTRY], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: String(PORT),
        BOOTSTRAP_API_KEY: KEY,
        LOG_LEVEL: 'trace',
        QUEUE_PREFIX: prefix,
      },
    });
    api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    api.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const ready = await fetch(`http://127.0.0.1:${PORT}/health/live`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the API did not start:\n${output}`);
  });
  afterAll(async () => {
    if (api.exitCode === null && api.signalCode === null) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await database.drop();
  });

  it('never writes them anywhere', async () => {
    const profile = {
      demographics: { birthDate: MARKERS[2], occupation: 'salaried' },
      deposits: { balance: Number(MARKERS[1]) },
      relationship: { relationshipManager: MARKERS[0] },
    };
    expect(
      (await call('/v1/customers/H-1/profile', { method: 'PUT', body: JSON.stringify(profile) })).status,
    ).toBe(200);
    expect((await call('/v1/customers/H-1/profile')).status).toBe(200);
    const invalid = await call('/v1/customers/H-2/profile', {
      method: 'PUT',
      body: JSON.stringify({ ...profile, deposits: { balance: MARKERS[0] } }),
    });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).not.toContain(MARKERS[0]);
    const broken = await call('/v1/customers/H-3/profile', { method: 'PUT', body: `{"x": "${MARKERS[0]}",` });
    expect(broken.status).toBe(400);
    expect(await broken.text()).not.toContain(MARKERS[0]);
    const wrongKey = await fetch(`http://127.0.0.1:${PORT}/v1/customers/H-1/profile`, {
      headers: { Authorization: `Bearer ${KEY}-wrong` },
    });
    expect(wrongKey.status).toBe(401);
    expect((await call('/v1/customers/H-1/tags')).status).toBe(200);

    api.kill('SIGTERM');
    await once(api, 'exit');
    expect(output).toContain('request completed');
    for (const secret of [...MARKERS, KEY]) expect(output).not.toContain(secret);

    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    const jobKeys = (await redis.keys(`${prefix}*`)).filter((key) => /:\d+$|:evaluate-customer/.test(key));
    let payloads = '';
    for (const key of jobKeys) {
      if ((await redis.type(key)) === 'hash') payloads += JSON.stringify(await redis.hgetall(key));
    }
    redis.disconnect();
    expect(payloads).toContain('H-1');
    for (const secret of [...MARKERS, KEY]) expect(payloads).not.toContain(secret);
  });
});
