import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { ReconcilerService, RunService } from '@tagforge/pipeline';
import { JobName, QueueName } from '@tagforge/queue';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';
import { digestBreaks } from '../support/equivalence-checks';

const highSpender = JSON.parse(readFileSync('tag-definitions/tags/high_spender.json', 'utf8')) as {
  rule: unknown;
  examples?: unknown;
};

describe('definitions, runs and the reconciler', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  const spend = [1000, 6000, 12000, 25000, 40000];

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    for (const [index, spend30d] of spend.entries()) {
      await api.http
        .put(`/v1/customers/S-${index}/profile`)
        .set(auth())
        .send({ transactions: { spend30d }, deposits: { balance: 500 + index } })
        .expect(200);
    }
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version = version`,
      );
      return rows[0].n === spend.length ? true : undefined;
    });
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  const waitForRun = (runId: string) =>
    eventually(async () => {
      const run = (await api.http.get(`/v1/runs/${runId}`).set(auth()).expect(200)).body;
      return run.status === 'succeeded' ? run : undefined;
    }, 20_000);
  const carriers = async (tagId: string) =>
    (
      await db.query(`SELECT customer_id FROM customer_tag WHERE tag_id = $1 ORDER BY customer_id`, [tagId])
    ).rows.map((row: { customer_id: string }) => row.customer_id);

  it('lists the active catalog and one definition with its versions and coverage', async () => {
    const list = await api.http.get('/v1/tags').set(auth()).expect(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(118);
    const one = await api.http.get('/v1/tags/high_spender').set(auth()).expect(200);
    expect(one.body).toMatchObject({ id: 'high_spender', active: { version: 1 }, customers: 2 });
    expect(one.body.versions).toHaveLength(1);
    await api.http.get('/v1/tags/no_such_tag').set(auth()).expect(404);
  });

  it('validates definitions with pointers, as tagctl does', async () => {
    const bad = {
      ...highSpender,
      id: 'high_spender',
      rule: { '>=': [{ var: 'transactions.spendd30d' }, 1] },
    };
    const refused = await api.http.post('/v1/tags:validate').set(auth()).send(bad).expect(422);
    expect(refused.body.error.details[0]).toMatchObject({ pointer: expect.stringMatching(/^\/rule/) });
    await api.http.post('/v1/tags:validate').set(auth()).send(highSpender).expect(200);
  });

  it('activating a new version changes exactly the customers whose value changes, each with one history row', async () => {
    const lowered = {
      ...highSpender,
      rule: {
        and: [{ '!!': { var: 'transactions.spend30d' } }, { '>=': [{ var: 'transactions.spend30d' }, 5000] }],
      },
      examples: undefined,
    };
    const draft = await api.http.post('/v1/tags').set(auth()).send(lowered).expect(201);
    expect(draft.body).toMatchObject({ tagId: 'high_spender', version: 2 });
    expect(await carriers('high_spender')).toEqual(['S-3', 'S-4']);

    const activation = await api.http
      .post('/v1/tags/high_spender/versions/2:activate')
      .set(auth())
      .expect(202);
    const run = await waitForRun(activation.body.runId);
    expect(run).toMatchObject({
      kind: 'activation',
      progress: { total: 5, done: 5, percent: 100 },
      changed: 2,
    });
    expect(await carriers('high_spender')).toEqual(['S-1', 'S-2', 'S-3', 'S-4']);
    const { rows } = await db.query(
      `SELECT customer_id, old_value, new_value, tag_version, cause, run_id FROM tag_event
        WHERE tag_id = 'high_spender' AND run_id IS NOT NULL ORDER BY customer_id`,
    );
    expect(rows).toEqual([
      {
        customer_id: 'S-1',
        old_value: null,
        new_value: true,
        tag_version: 2,
        cause: 'definition',
        run_id: run.id,
      },
      {
        customer_id: 'S-2',
        old_value: null,
        new_value: true,
        tag_version: 2,
        cause: 'definition',
        run_id: run.id,
      },
    ]);
    // The run read only high_spender's inputs, so the two customers it changed have no digest until
    // their next whole evaluation.
    expect(await digestBreaks(db)).toEqual({ wrong: [], missing: 2 });
  });

  it('delivering a chunk twice changes nothing the second time', async () => {
    const runs = api.app.get(RunService);
    const run = await runs.createRecompute('test');
    const chunk = { runId: run.id, chunk: 0, afterCustomerId: null, lastCustomerId: 'S-4', plannedAt: 1 };
    const events = async () => Number((await db.query('SELECT count(*) FROM tag_event')).rows[0].count);
    const before = await events();
    await runs.runChunk(chunk);
    const afterFirst = await events();
    expect(await runs.runChunk(chunk)).toEqual({ customers: 0, changed: 0 });
    expect(await events()).toBe(afterFirst);
    expect(afterFirst).toBe(before); // a recompute of an up-to-date population changes nothing
    expect(await digestBreaks(db)).toEqual({ wrong: [], missing: 0 });
  });

  it('a full recompute through the API succeeds and changes nothing when nothing changed', async () => {
    const started = await api.http.post('/v1/runs').set(auth()).send({ kind: 'recompute' }).expect(202);
    const run = await waitForRun(started.body.runId);
    expect(run).toMatchObject({ kind: 'recompute', changed: 0, progress: { done: 5 } });
    const listed = await api.http.get('/v1/runs?limit=1').set(auth()).expect(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.nextCursor).toEqual(expect.any(String));
    await api.http.post('/v1/runs').set(auth()).send({ kind: 'drop tables' }).expect(400);
  });

  it('retirement removes the tag from every customer, recorded as history; a tag others read cannot be retired', async () => {
    expect((await carriers('low_balance')).length).toBe(5);
    const retired = await api.http.post('/v1/tags/low_balance:retire').set(auth()).expect(202);
    await waitForRun(retired.body.runId);
    expect(await carriers('low_balance')).toEqual([]);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM tag_event WHERE tag_id = 'low_balance' AND new_value IS NULL AND cause = 'definition'`,
    );
    expect(rows[0].n).toBe(5);
    expect(await digestBreaks(db)).toEqual({ wrong: [], missing: 5 });
    const refused = await api.http.post('/v1/tags/opted_out:retire').set(auth()).expect(409);
    expect(refused.body.error.details.dependents).toContain('do_not_market');
  });

  it('re-evaluates the tags that read `now` as a scheduled run', async () => {
    const runId = await api.app.get(ReconcilerService).scheduleTimeDependent();
    expect(runId).toEqual(expect.any(String));
    const run = await waitForRun(runId!);
    expect(run.kind).toBe('schedule');
    expect(run.scope.tags).toEqual(expect.arrayContaining(['age_band', 'new_customer']));
    expect(run.scope.tags).not.toContain('high_spender');
    expect(run.progress).toMatchObject({ total: 5, done: 5 });
  });

  it('the reconciler evaluates a customer whose job was deleted from Redis', async () => {
    await worker.close();
    await api.http
      .patch('/v1/customers/S-0/profile')
      .set(auth())
      .send({ transactions: { spend30d: 9000 } })
      .expect(200);
    const queue = new Queue(QueueName.Evaluation, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: api.queuePrefix,
    });
    await queue.obliterate({ force: true });
    await queue.close();
    worker = await startWorker(api);
    expect(await carriers('high_spender')).not.toContain('S-0');
    const report = await api.app.get(ReconcilerService).reconcile(0);
    expect(report.customers).toBe(1);
    await eventually(async () => ((await carriers('high_spender')).includes('S-0') ? true : undefined));
  });

  it('after Redis loses every key of the queue, the worker re-creates its schedules and the reconciler catches up', async () => {
    await worker.close();
    worker = await startWorker(api, { RECONCILE_INTERVAL_SECONDS: '1', RECONCILE_GRACE_SECONDS: '1' });
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      // What FLUSHALL does to this deployment, without touching anyone else's keys on the shared Redis.
      const keys = await redis.keys(`${api.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      // A write whose evaluation job was lost with the flush.
      await db.query(
        `UPDATE customer_profile
            SET profile = jsonb_set(profile, '{transactions,spend30d}', '30000'), version = version + 1,
                updated_at = now() - interval '1 minute'
          WHERE customer_id = 'S-1'`,
      );
      const reconcile = new Queue(QueueName.Maintenance, { connection: redis, prefix: api.queuePrefix });
      await eventually(
        async () => ((await reconcile.getJobScheduler('reconcile')) ? true : undefined),
        20_000,
      );
      await reconcile.close();
      await eventually(
        async () => ((await carriers('high_spender')).includes('S-1') ? true : undefined),
        20_000,
      );
    } finally {
      redis.disconnect();
    }
  });

  it('a run whose chunk job failed for good is relaunched by the reconciler with new chunk jobs and completes', async () => {
    await worker.close();
    const runs = api.app.get(RunService);
    const run = await runs.createRecompute('test');
    await runs.plan(run.id);
    // A chunk job that stalled more often than allowed (its worker killed twice) fails for good; its
    // id stays in Redis, so a relaunch must not reuse it.
    const failer = new Worker(
      QueueName.Runs,
      async (job) => {
        if (job.name === JobName.RunChunk)
          throw new UnrecoverableError('job stalled more than allowable limit');
      },
      { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix: api.queuePrefix },
    );
    const queue = new Queue(QueueName.Runs, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: api.queuePrefix,
    });
    try {
      await eventually(async () => ((await queue.getFailedCount()) > 0 ? true : undefined));
    } finally {
      await failer.close();
    }
    expect((await api.http.get(`/v1/runs/${run.id}`).set(auth()).expect(200)).body.status).toBe('running');
    // Five minutes without progress, as the reconciler sees it.
    await db.query(
      `UPDATE evaluation_run SET created_at = created_at - interval '10 minutes',
              started_at = started_at - interval '10 minutes',
              result = result || jsonb_build_object('launchedAt', (now() - interval '10 minutes')::text)
        WHERE id = $1`,
      [run.id],
    );
    worker = await startWorker(api);
    // The restarted worker's own reconciler tick (its repeatable job is due) may get there first:
    // either way the run is relaunched once, now.
    const report = await api.app.get(ReconcilerService).reconcile(1);
    expect(report.runs).toBeLessThanOrEqual(1);
    const { rows: launched } = await db.query(
      `SELECT (result->>'launchedAt')::timestamptz > now() - interval '1 minute' AS recent FROM evaluation_run WHERE id = $1`,
      [run.id],
    );
    expect(launched[0].recent).toBe(true);
    // Relaunched once per idle period, not on every reconciler tick.
    expect((await api.app.get(ReconcilerService).reconcile(1)).runs).toBe(0);
    expect(await waitForRun(run.id)).toMatchObject({ status: 'succeeded', progress: { total: 5, done: 5 } });
    await queue.close();
  });
});
