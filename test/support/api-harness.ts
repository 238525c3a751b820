import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { createTestDatabase } from './test-database';

export const BOOTSTRAP_KEY = 'test-bootstrap-key-0123456789abcdef';

export interface ApiHarness {
  app: INestApplication;
  http: TestAgent;
  databaseUrl: string;
  queuePrefix: string;
  close: () => Promise<void>;
}

// The whole API against a fresh database and a private queue prefix. Config is read from the
// environment at module creation, as in production.
export async function startApi(env: Record<string, string> = {}): Promise<ApiHarness> {
  const database = await createTestDatabase();
  const queuePrefix = `{tagforge-test-${randomBytes(4).toString('hex')}}`;
  const settings: Record<string, string> = {
    DATABASE_URL: database.url,
    QUEUE_PREFIX: queuePrefix,
    BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  };
  const previous = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));
  Object.assign(process.env, settings);
  let app: INestApplication;
  try {
    app = await createApiApp();
    await app.init();
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
