import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { freePort } from '../bench/pipeline-processes';
import { eventually } from '../support/api-harness';
import { createTestDatabase } from '../support/test-database';

// `npm start` is build, migrate, then the start:stack script: the API, a worker and the demo loader
// under concurrently. Here that stack runs from dist (`npm test` builds first) on a port of its own
// (nothing listens on 3000 for it) and with a catalog of its own.
const KEY = 'start-stack-test-key-0123456789abcdef';
const CATALOGS = join(__dirname, '../fixtures/catalog');

interface Stack {
  process: ChildProcess;
  output: () => string;
  port: number;
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  prefix: string;
}

async function startStack(catalog: string): Promise<Stack> {
  const database = await createTestDatabase();
  const port = await freePort();
  const prefix = `{tagforge-start-${process.pid}-${port}}`;
  let output = '';
  const child = spawn('npm', ['run', '--silent', 'start:stack'], {
    cwd: join(__dirname, '../..'),
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      TAG_DEFINITIONS_DIR: join(CATALOGS, catalog),
      BOOTSTRAP_API_KEY: KEY,
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      FORCE_COLOR: '0',
    },
    // Its own process group, so the whole tree (npm, concurrently, the three processes) stops together.
    detached: true,
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output, port, database, prefix };
}

async function stopStack(stack: Stack): Promise<void> {
  if (stack.process.exitCode === null && stack.process.signalCode === null) {
    process.kill(-stack.process.pid!, 'SIGTERM');
    await once(stack.process, 'exit');
  }
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  const keys = await redis.keys(`${stack.prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await stack.database.drop();
}

const call = (stack: Stack, path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${stack.port}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });

// The demo's process has ended (concurrently reports every exit) and nothing else has.
const demoExited = (stack: Stack) =>
  eventually(async () => {
    if (stack.process.exitCode !== null) throw new Error(`the stack stopped:\n${stack.output()}`);
    return /\[demo\][^\n]*exited with code 0/.test(stack.output()) ? true : undefined;
  }, 150_000);

// A profile write after the demo has ended is evaluated: the API and the worker still run.
async function stillServing(stack: Stack, customerId: string, profile: object): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect((await call(stack, '/health/live')).status).toBe(200);
  const write = await call(stack, `/v1/customers/${customerId}/profile`, {
    method: 'PUT',
    body: JSON.stringify(profile),
  });
  expect(write.status).toBe(200);
  await eventually(async () => {
    const tags = (await (await call(stack, `/v1/customers/${customerId}/tags`)).json()) as {
      profileVersion: number;
      evaluatedVersion: number;
    };
    return tags.evaluatedVersion === tags.profileVersion ? true : undefined;
  }, 30_000);
  expect(stack.process.exitCode).toBeNull();
}

describe('npm start on a port and a catalog of its own', () => {
  beforeAll(() => {
    expect(existsSync('dist/apps/api/src/main.js')).toBe(true);
  });

  it('loads the demo through the API on PORT, skips the headline segments the catalog lacks in one line, and keeps serving', async () => {
    const stack = await startStack('start-custom');
    try {
      await demoExited(stack);
      const output = stack.output();
      expect(output).toContain('loaded 2000 synthetic customers');
      const skipped = output.split('\n').filter((line) => line.includes('skipped headline segments'));
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toContain('low_risk_customers');
      expect(skipped[0]).not.toContain('do_not_market');
      expect(output).toMatch(/do_not_market\s+\d+/);
      const db = new Client({ connectionString: stack.database.url });
      await db.connect();
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM customer_profile WHERE version > 0`);
      await db.end();
      expect(rows[0].n).toBe(2000);
      await stillServing(stack, 'START-CHECK-1', { marketing: { optOut: true } });
      const segment = (await (await call(stack, '/v1/segments/do_not_market')).json()) as { size: number };
      expect(segment.size).toBeGreaterThan(0);
    } finally {
      await stopStack(stack);
    }
  }, 200_000);

  it('keeps the API and the worker up when the demo fails (a profile schema the demo profiles do not fit)', async () => {
    const stack = await startStack('start-strict');
    try {
      await demoExited(stack);
      const lines = stack.output().split('\n');
      const failure = lines.filter((line) => line.includes('demo skipped:'));
      expect(failure).toHaveLength(1);
      expect(failure[0]).toContain('refuses the demo profiles');
      await stillServing(stack, 'START-CHECK-2', { crm: { vip: true } });
    } finally {
      await stopStack(stack);
    }
  }, 200_000);
});
