import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { parse } from 'yaml';
import { PUBLIC_BOOTSTRAP_KEYS } from '@tagforge/common';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

interface Service {
  ports?: string[];
  environment?: Record<string, string>;
  command?: string[] | string;
  volumes?: string[];
}

// No Docker engine in CI: the shipped compose file is checked for its shape instead.
describe('docker/compose.yaml is closed by default', () => {
  const text = readFileSync('docker/compose.yaml', 'utf8');
  const compose = parse(text) as { services: Record<string, Service> };
  const { postgres, redis, api, worker, migrate } = compose.services;

  it('publishes only the API, on 127.0.0.1 unless told otherwise', () => {
    const published = Object.entries(compose.services).filter(([, service]) => service.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['api']);
    expect(api.ports).toEqual(['${API_BIND:-127.0.0.1}:3000:3000']);
  });

  it('gives Postgres a required password with scram-sha-256 and no trust', () => {
    expect(text).not.toMatch(/trust/i);
    expect(postgres.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(postgres.environment?.POSTGRES_INITDB_ARGS).toBe(
      '--auth-host=scram-sha-256 --auth-local=scram-sha-256',
    );
  });

  it('runs Redis with an ACL user and password and the default user off', () => {
    const command = ([] as string[]).concat(redis.command ?? []).join(' ');
    expect(command).toContain('--user default off');
    expect(command).toMatch(/--user tagforge on ">\$\$REDIS_PASSWORD"/);
    expect(redis.environment?.REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    for (const service of [api, worker]) {
      expect(service.environment?.REDIS_URL).toBe(
        'redis://tagforge:${REDIS_PASSWORD:?set REDIS_PASSWORD}@redis:6379',
      );
    }
  });

  it('connects the API and the worker as the non-superuser application role; only the migration as the owner', () => {
    for (const service of [api, worker]) {
      expect(new URL(service.environment!.DATABASE_URL.replace(/\$\{[^}]+\}/g, 'secret')).username).toBe(
        'tagforge',
      );
    }
    expect(migrate.environment?.DATABASE_URL).toMatch(/^postgres:\/\/postgres:/);
    const init = readFileSync('docker/postgres-init.sh', 'utf8');
    expect(postgres.volumes).toContain('./postgres-init.sh:/docker-entrypoint-initdb.d/tagforge.sh:ro');
    expect(init).toMatch(
      /CREATE ROLE tagforge LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE tagforge_app/,
    );
  });

  it('has no default bootstrap key and names none from the repository', () => {
    expect(api.environment?.BOOTSTRAP_API_KEY).toMatch(/^\$\{BOOTSTRAP_API_KEY:\?/);
    for (const key of PUBLIC_BOOTSTRAP_KEYS) expect(text).not.toContain(key);
  });
});

describe('services connected as a login role of tagforge_app', () => {
  let owner: ApiHarness;
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;

  beforeAll(async () => {
    owner = await startApi();
    db = new Client({ connectionString: owner.databaseUrl });
    await db.connect();
    await db.query(`DO $$ BEGIN CREATE ROLE tagforge_test_service LOGIN NOSUPERUSER IN ROLE tagforge_app;
                    EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    const url = new URL(owner.databaseUrl);
    url.username = 'tagforge_test_service';
    api = await startApi({}, { databaseUrl: url.toString(), queuePrefix: owner.queuePrefix });
    await db.query(`DROP TABLE IF EXISTS tag_history_y2099m01`);
    worker = await startWorker(api, { DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await db.end();
    await owner.close();
  });

  it('writes, evaluates, serves and creates history partitions without owning a table', async () => {
    const { rows } = await db.query(`SELECT rolsuper FROM pg_roles WHERE rolname = 'tagforge_test_service'`);
    expect(rows[0].rolsuper).toBe(false);
    await api.http
      .put('/v1/customers/ROLE-1/profile')
      .set(auth())
      .send({ marketing: { optOut: true } })
      .expect(200);
    await eventually(async () => {
      const tags = await api.http.get('/v1/customers/ROLE-1/tags').set(auth()).expect(200);
      return tags.body.tags.some((tag: { tagId: string }) => tag.tagId === 'do_not_market')
        ? true
        : undefined;
    });
    const feed = await eventually(async () => {
      const changes = await api.http.get('/v1/segments/do_not_market/changes').set(auth()).expect(200);
      return changes.body.items.length > 0 ? changes.body : undefined;
    });
    expect(feed.items[0]).toMatchObject({ customerId: 'ROLE-1', change: 'entered' });
    await db.query(`SET ROLE tagforge_test_service`);
    try {
      const created = await db.query(
        `SELECT tagforge_ensure_history_partition('tag_history_y2099m01', '2099-01-01', '2099-02-01') AS created`,
      );
      expect(created.rows[0].created).toBe(true);
      await expect(db.query(`UPDATE audit_log SET actor_name = 'x'`)).rejects.toThrow(/permission denied/);
    } finally {
      await db.query(`RESET ROLE`);
    }
  });
});
