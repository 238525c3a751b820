import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';
import { documentedOperations, fillPath, label } from '../support/bad-input-routes';
import { RawClient } from '../support/bad-input-client';
import type { Server } from 'node:http';

const run = promisify(execFile);
const highSpender = JSON.parse(readFileSync('tag-definitions/tags/high_spender.json', 'utf8')) as Record<
  string,
  unknown
>;
const spendAtLeast = (amount: number) => ({
  ...highSpender,
  examples: undefined,
  rule: {
    and: [{ '!!': { var: 'transactions.spend30d' } }, { '>=': [{ var: 'transactions.spend30d' }, amount] }],
  },
});
// A copy of the shipped folder whose high_spender reads 15,000 instead of 20,000.
function changedFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagforge-definitions-'));
  cpSync('tag-definitions', dir, { recursive: true });
  const { examples: _examples, ...definition } = spendAtLeast(15000);
  writeFileSync(join(dir, 'tags/high_spender.json'), JSON.stringify(definition));
  return dir;
}

async function activeVersions(db: Client): Promise<string> {
  const { rows } = await db.query(
    `SELECT string_agg(tag_id || '@' || version, ',' ORDER BY tag_id) AS active FROM tag_definition WHERE status = 'active'`,
  );
  return rows[0].active as string;
}
async function tagState(db: Client): Promise<string> {
  const { rows } = await db.query(
    `SELECT md5(coalesce(string_agg(customer_id || tag_id || value::text || tag_version, ',' ORDER BY customer_id, tag_id), '')) AS h FROM customer_tag`,
  );
  return rows[0].h as string;
}

describe('one source of truth for definitions', () => {
  let api: ApiHarness;
  let db: Client;
  const folders: string[] = [];

  beforeAll(async () => {
    api = await startApi();
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('imports the folder into the empty catalog once, audited as the first import', async () => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'definition.activate' AND after->>'source' = 'first-import'`,
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(118);
    const drift = await api.http.get('/v1/tags:drift').set(auth()).expect(200);
    expect(drift.body.summary).toMatchObject({ changed: 0, 'only-in-folder': 0, 'only-live': 0 });
  });

  it('a restart never changes what is active; it reports the drift (API, tagctl sync --check)', async () => {
    const draft = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(5000)).expect(201);
    await api.http
      .post(`/v1/tags/high_spender/versions/${draft.body.version}:activate`)
      .set(auth())
      .expect(202);
    const before = await activeVersions(db);
    expect(before).toContain(`high_spender@${draft.body.version}`);

    const restarted = await startApi({}, api);
    try {
      expect(await activeVersions(db)).toBe(before);
      const drift = await restarted.http.get('/v1/tags:drift').set(auth()).expect(200);
      expect(drift.body.definitions.filter((entry: { state: string }) => entry.state !== 'same')).toEqual([
        expect.objectContaining({ id: 'high_spender', state: 'changed', liveVersion: draft.body.version }),
      ]);
      const metrics = await restarted.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/tagforge_definitions_drift\{state="changed"\} 1/);

      const server = restarted.app.getHttpServer() as Server;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const check = await run('node', [
        'dist/apps/cli/src/main.js',
        'sync',
        '--check',
        '--api',
        url,
        '--key',
        'test-bootstrap-key-0123456789abcdef',
      ]).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => error,
      );
      expect(check.code).toBe(1);
      expect(check.stdout).toContain('changed high_spender');
      expect(await activeVersions(db)).toBe(before);
    } finally {
      await restarted.close();
    }
  });

  it('same content creates no new version and says so; a draft can be discarded, audited', async () => {
    const first = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(7000)).expect(201);
    expect(first.body.status).toBe('created');
    const again = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(7000)).expect(201);
    expect(again.body).toMatchObject({ status: 'unchanged', matches: 'draft', version: first.body.version });
    const active = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(5000)).expect(201);
    expect(active.body).toMatchObject({ status: 'unchanged', matches: 'active' });

    await api.http.delete(`/v1/tags/high_spender/versions/${first.body.version}`).set(auth()).expect(200);
    await api.http.delete(`/v1/tags/high_spender/versions/${first.body.version}`).set(auth()).expect(409);
    await api.http
      .post(`/v1/tags/high_spender/versions/${first.body.version}:activate`)
      .set(auth())
      .expect(409);
    const audit = await api.http.get('/v1/audit?entity=tag_definition&limit=1').set(auth()).expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'definition.discard',
      entityId: `high_spender@${first.body.version}`,
    });
  });

  it('runs the examples on validate, create and sync: a failing one is a 422 naming it', async () => {
    const wrong = {
      ...spendAtLeast(20000),
      examples: [{ name: 'spent 19k', profile: { transactions: { spend30d: 19000 } }, expect: true }],
    };
    for (const [path, body] of [
      ['/v1/tags:validate', wrong],
      ['/v1/tags', wrong],
      ['/v1/tags:sync', { definitions: [wrong] }],
    ] as const) {
      const refused = await api.http.post(path).set(auth()).send(body).expect(422);
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({
          pointer: '/examples/0',
          code: 'example_failed',
          message: 'example "spent 19k" expects true, got false',
        }),
      ]);
    }
  });

  it('of two concurrent activations of one version, one starts a run and the other is refused', async () => {
    const draft = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(9000)).expect(201);
    const holder = new Client({ connectionString: api.databaseUrl });
    await holder.connect();
    try {
      // Both requests pass every check made before the definitions lock, then wait for it.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(7420617312)');
      const path = `/v1/tags/high_spender/versions/${draft.body.version}:activate`;
      const requests = [
        api.http
          .post(path)
          .set(auth())
          .then((r) => r),
        api.http
          .post(path)
          .set(auth())
          .then((r) => r),
      ];
      await eventually(async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
        );
        return rows[0].n >= 2 ? true : undefined;
      });
      await holder.query('COMMIT');
      const statuses = (await Promise.all(requests)).map((response) => response.status).sort();
      expect(statuses).toEqual([202, 409]);
    } finally {
      await holder.end();
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM evaluation_run WHERE kind = 'activation' AND scope->'activated'->>'high_spender' = $1`,
      [String(draft.body.version)],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('maker-checker with no way around it', () => {
  let api: ApiHarness;
  let db: Client;
  let checker: string;
  const folders: string[] = [];

  beforeAll(async () => {
    api = await startApi({ REQUIRE_APPROVAL: 'true' });
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    checker = (
      await api.app.get(ApiKeyService).create({ name: 'checker', scopes: ['definitions:write'] }, null)
    ).key;
    await api.http
      .put('/v1/customers/MC-1/profile')
      .set(auth())
      .send({ transactions: { spend30d: 16000 } })
      .expect(200);
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('one key alone changes nothing active by any route that changes definitions, nor by a restart', async () => {
    const before = { active: await activeVersions(db), tags: await tagState(db) };
    const client = await RawClient.listen(api.app.getHttpServer() as Server, 20_000);
    const operations = (await documentedOperations(client)).filter(
      (operation) => operation.method !== 'GET' && operation.scope !== 'profiles:write',
    );
    const one = { ...auth(), 'Content-Type': 'application/json' };
    const send = (method: string, path: string, body?: unknown) =>
      client.send({
        method,
        path,
        headers: one,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const visited = new Set<string>();

    // The maker's own way to activation, every step with the one key.
    const draft = (await send('POST', '/v1/tags', spendAtLeast(15000))).json as { version: number };
    const synced = (await send('POST', '/v1/tags:sync', { definitions: [spendAtLeast(12000)] })).json as {
      changeSet: { id: string };
      activated: unknown[];
    };
    expect(synced.activated).toEqual([]);
    const retired = (await send('POST', '/v1/tags/high_spender:retire')).json as {
      changeSet: { id: string };
    };
    const sandbox = (
      await send('POST', '/v1/sandbox/runs', { definitions: [spendAtLeast(11000)], population: 'all' })
    ).json as { runId: string };
    const ids: Record<string, string> = {
      id: 'high_spender',
      version: String(draft.version),
    };
    for (const operation of operations) {
      const template = operation.template;
      const segments: Record<string, string> = { ...ids };
      if (template.startsWith('/v1/changesets/')) segments.id = synced.changeSet.id;
      if (template.startsWith('/v1/sandbox/')) segments.id = sandbox.runId;
      if (template.startsWith('/v1/runs/')) segments.id = sandbox.runId;
      if (template.startsWith('/v1/customers/')) segments.id = 'MC-1';
      const body =
        template === '/v1/tags:sync'
          ? { definitions: [spendAtLeast(13000)] }
          : template.startsWith('/v1/tags')
            ? spendAtLeast(14000)
            : template === '/v1/runs'
              ? { kind: 'recompute' }
              : template === '/v1/sandbox/runs'
                ? { definitions: [spendAtLeast(11000)] }
                : undefined;
      for (const id of template.startsWith('/v1/changesets/')
        ? [synced.changeSet.id, retired.changeSet.id]
        : [segments.id]) {
        await send(
          operation.method,
          fillPath(template, { ...segments, id: encodeURIComponent(id ?? '') }),
          body,
        );
      }
      visited.add(label(operation));
    }
    // Publishing the sandbox once it has finished creates drafts only.
    await db.query(`UPDATE evaluation_run SET status = 'succeeded' WHERE id = $1`, [sandbox.runId]);
    const published = (await send('POST', `/v1/sandbox/runs/${sandbox.runId}:publish`)).json as {
      drafts: { version: number }[];
    };
    await send('POST', `/v1/tags/high_spender/versions/${published.drafts[0].version}:activate`);
    client.close();
    expect(visited.size).toBe(operations.length);

    // A restart that asks to import a changed folder proposes a change set; nothing becomes active.
    const folder = changedFolder();
    folders.push(folder);
    const restarted = await startApi(
      { REQUIRE_APPROVAL: 'true', DEFINITIONS_IMPORT: 'always', TAG_DEFINITIONS_DIR: folder },
      api,
    );
    await restarted.close();
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM definition_change_set WHERE source = 'folder'`,
    );
    expect(rows[0].n).toBe(1);

    expect(await activeVersions(db)).toBe(before.active);
    expect(await tagState(db)).toBe(before.tags);
  });

  it('a synced change set needs a second key, then activates all its drafts with one run', async () => {
    const two = { ...spendAtLeast(10000), id: 'high_spender' };
    const synced = await api.http
      .post('/v1/tags:sync')
      .set(auth())
      .send({ definitions: [two] })
      .expect(200);
    const id = synced.body.changeSet.id as string;
    await api.http.post(`/v1/changesets/${id}:activate`).set(auth()).expect(409);
    await api.http.post(`/v1/changesets/${id}:approve`).set(auth()).expect(403);
    await api.http.post(`/v1/changesets/${id}:approve`).set(auth(checker)).expect(200);
    const activated = await api.http.post(`/v1/changesets/${id}:activate`).set(auth()).expect(202);
    expect(activated.body.activated).toEqual([
      { tagId: 'high_spender', version: synced.body.drafts[0].version },
    ]);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM evaluation_run WHERE scope->>'changeSetId' = $1`,
      [id],
    );
    expect(rows[0].n).toBe(1);
    await api.http.post(`/v1/changesets/${id}:activate`).set(auth()).expect(409);
  });

  it('an approval racing a discard never leaves an approved discarded draft to activate', async () => {
    const draft = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(17000)).expect(201);
    const version = draft.body.version as number;
    const holder = new Client({ connectionString: api.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(7420617312)');
      const discard = api.http
        .delete(`/v1/tags/high_spender/versions/${version}`)
        .set(auth())
        .then((r) => r);
      await eventually(async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
        );
        return rows[0].n >= 1 ? true : undefined;
      });
      const approve = api.http
        .post(`/v1/tags/high_spender/versions/${version}:approve`)
        .set(auth(checker))
        .then((r) => r);
      await eventually(async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
        );
        return rows[0].n >= 2 ? true : undefined;
      });
      await holder.query('COMMIT');
      await Promise.all([discard, approve]);
    } finally {
      await holder.end();
    }
    await api.http.post(`/v1/tags/high_spender/versions/${version}:activate`).set(auth()).expect(409);
    const { rows } = await db.query(
      `SELECT status, approved_by FROM tag_definition WHERE tag_id = 'high_spender' AND version = $1`,
      [version],
    );
    expect(rows[0].status).toBe('discarded');
  });
});

describe('runs with real terminal states', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  const nanCategory = {
    id: 'loan_need_scenario',
    ...(JSON.parse(readFileSync('tag-definitions/tags/loan_need_scenario.json', 'utf8')) as object),
    examples: undefined,
    rule: { '/': [0, 0] },
  };

  beforeAll(async () => {
    api = await startApi({ RUN_PREFLIGHT_SAMPLE: '0' });
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const lines = Array.from({ length: 30 }, (_, index) =>
      JSON.stringify({ customerId: `RUN-${index}`, profile: { transactions: { spend30d: 1000 * index } } }),
    );
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(lines.join('\n'))
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

  const waitFor = (runId: string, statuses: string[]) =>
    eventually(async () => {
      const view = (await api.http.get(`/v1/runs/${runId}`).set(auth()).expect(200)).body;
      return statuses.includes(view.status) ? view : undefined;
    }, 30_000);

  it('an activation whose rule fails for every customer fails, is rolled back, and is never relaunched', async () => {
    const before = await tagState(db);
    const draft = await api.http.post('/v1/tags').set(auth()).send(nanCategory).expect(201);
    const activation = await api.http
      .post(`/v1/tags/loan_need_scenario/versions/${draft.body.version}:activate`)
      .set(auth())
      .expect(202);
    const failed = await waitFor(activation.body.runId, ['failed', 'succeeded']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/rule errors for \d+ of \d+ customers/);
    const active = await api.http.get('/v1/tags/loan_need_scenario').set(auth()).expect(200);
    expect(active.body.active.version).toBe(1);
    const { rows } = await db.query(
      `SELECT id FROM evaluation_run WHERE kind = 'rollback' AND scope->>'rollbackOf' = $1`,
      [activation.body.runId],
    );
    expect(rows).toHaveLength(1);
    await waitFor(rows[0].id, ['succeeded']);
    expect(await tagState(db)).toBe(before);
    // The reconciler leaves a failed run alone however long it has been idle.
    await db.query(
      `UPDATE evaluation_run SET created_at = now() - interval '1 hour', started_at = now() - interval '1 hour' WHERE id = $1`,
      [activation.body.runId],
    );
    const { ReconcilerService } = await import('@tagforge/pipeline');
    expect((await api.app.get(ReconcilerService).reconcile(1)).runs).toBe(0);
  });

  it('a sample refuses such an activation up front with 422, changing nothing', async () => {
    const strict = await startApi({}, api);
    try {
      const draft = await strict.http
        .post('/v1/tags')
        .set(auth())
        .send({ ...nanCategory, rule: { '/': [1, 0] } })
        .expect(201);
      const refused = await strict.http
        .post(`/v1/tags/loan_need_scenario/versions/${draft.body.version}:activate`)
        .set(auth())
        .expect(422);
      expect(refused.body.error.details).toMatchObject({ sampled: 30, failed: 30, thresholdPercent: 1 });
      const active = await strict.http.get('/v1/tags/loan_need_scenario').set(auth()).expect(200);
      expect(active.body.active.version).toBe(1);
    } finally {
      await strict.close();
    }
  });

  it('a chunk that fails for good fails its run and restores the version active before', async () => {
    const { RunService } = await import('@tagforge/pipeline');
    const runs = api.app.get(RunService);
    await worker.close();
    const draft = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(3000)).expect(201);
    const activation = await api.http
      .post(`/v1/tags/high_spender/versions/${draft.body.version}:activate`)
      .set(auth())
      .expect(202);
    await db.query(
      `CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`,
    );
    await db.query(
      `CREATE TRIGGER test_fail BEFORE INSERT ON customer_tag FOR EACH ROW EXECUTE FUNCTION test_fail()`,
    );
    try {
      const chunk = {
        runId: activation.body.runId,
        chunk: 0,
        afterCustomerId: null,
        lastCustomerId: '~',
        plannedAt: 1,
      };
      await expect(runs.runChunkJob(chunk, { finalAttempt: false })).rejects.toThrow(/disk on fire/);
      expect((await api.http.get(`/v1/runs/${activation.body.runId}`).set(auth())).body.status).toBe(
        'queued',
      );
      await expect(runs.runChunkJob(chunk, { finalAttempt: true })).rejects.toThrow(/disk on fire/);
    } finally {
      await db.query(`DROP TRIGGER test_fail ON customer_tag; DROP FUNCTION test_fail()`);
    }
    const view = (await api.http.get(`/v1/runs/${activation.body.runId}`).set(auth()).expect(200)).body;
    expect(view).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/chunk 0 failed for good: disk on fire/),
    });
    const active = await api.http.get('/v1/tags/high_spender').set(auth()).expect(200);
    expect(active.body.active.version).toBe(1);
    worker = await startWorker(api);
  });

  it('a run can be cancelled; a cancelled activation is rolled back with history rows of cause rollback', async () => {
    // The previous test's rollback run finishes first.
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM evaluation_run WHERE status IN ('queued', 'running')`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
    await worker.close();
    const draft = await api.http.post('/v1/tags').set(auth()).send(spendAtLeast(2500)).expect(201);
    const activation = await api.http
      .post(`/v1/tags/high_spender/versions/${draft.body.version}:activate`)
      .set(auth())
      .expect(202);
    const { RunService } = await import('@tagforge/pipeline');
    // Half done: the chunk changes customers with the new version, then the run is cancelled.
    await api.app.get(RunService).runChunk({
      runId: activation.body.runId,
      chunk: 0,
      afterCustomerId: null,
      lastCustomerId: '~',
      plannedAt: 1,
    });
    const changedByRun = await db.query(`SELECT count(*)::int AS n FROM tag_event WHERE run_id = $1`, [
      activation.body.runId,
    ]);
    expect(changedByRun.rows[0].n).toBeGreaterThan(0);
    const cancelled = await api.http.post(`/v1/runs/${activation.body.runId}:cancel`).set(auth()).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', rollbackRunId: expect.any(String) });
    await api.http.post(`/v1/runs/${activation.body.runId}:cancel`).set(auth()).expect(409);
    worker = await startWorker(api);
    await waitFor(cancelled.body.rollbackRunId, ['succeeded']);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM tag_event WHERE run_id = $1 AND cause = 'rollback'`,
      [cancelled.body.rollbackRunId],
    );
    expect(rows[0].n).toBe(changedByRun.rows[0].n);
    const { rows: carriers } = await db.query(
      `SELECT tag_version FROM customer_tag WHERE tag_id = 'high_spender'`,
    );
    expect(new Set(carriers.map((row: { tag_version: number }) => row.tag_version))).toEqual(new Set([1]));
  });
});
