import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { NestFactory } from '@nestjs/core';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createTestDatabase } from './test-database';

export const BOOTSTRAP_KEY = 'test-bootstrap-key-0123456789abcdef';

export interface ApiHarness {
  app: NestFastifyApplication;
  http: TestAgent;
  databaseUrl: string;
  queuePrefix: string;
  close: () => Promise<void>;
}

// The whole API against a fresh database and a private queue prefix. Config is read from the
// environment at module creation, as in production.
// With `reuse`, against another harness's database (a restart): closing it leaves the database.
export async function startApi(
  env: Record<string, string> = {},
  reuse?: { databaseUrl: string; queuePrefix: string },
): Promise<ApiHarness> {
  const database = reuse
    ? { url: reuse.databaseUrl, drop: () => Promise.resolve() }
    : await createTestDatabase();
  const queuePrefix = reuse?.queuePrefix ?? `{tagforge-test-${randomBytes(4).toString('hex')}}`;
  const settings: Record<string, string> = {
    DATABASE_URL: database.url,
    QUEUE_PREFIX: queuePrefix,
    BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  };
  const previous = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));
  Object.assign(process.env, settings);
  let app: NestFastifyApplication;
  try {
    app = await createApiApp();
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return {
    app,
    http: request(app.getHttpServer()),
    databaseUrl: database.url,
    queuePrefix,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export const auth = (key: string = BOOTSTRAP_KEY) => ({ Authorization: `Bearer ${key}` });

// A worker process's module, in this process, against the API's database and queue prefix.
export async function startWorker(
  api: ApiHarness,
  env: Record<string, string> = {},
): Promise<{ close: () => Promise<void> }> {
  const settings: Record<string, string> = {
    DATABASE_URL: api.databaseUrl,
    QUEUE_PREFIX: api.queuePrefix,
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: '4',
    WORKER_METRICS_PORT: '0',
    ...env,
  };
  const previous = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));
  Object.assign(process.env, settings);
  try {
    const context = await NestFactory.createApplicationContext(WorkerModule, {
      logger: false,
      abortOnError: false,
    });
    return { close: () => context.close() };
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
