import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Client, Pool } from 'pg';
import { syntheticCustomer } from '@tagforge/demo-data';
import { BenchHttpClient } from './api-http';
import { freePort, runToCompletion, ServiceProcess, sleep, WORKER_NODE_ARGS } from './pipeline-processes';

// What both API benchmarks share: their own database and queue prefix, the API (and, when runs must
// be executed, one worker) started from dist, and a population of generated customers with every
// tag evaluated by the product itself. The queue prefix is named after the database, so a bench on
// another database (a small one for development, say) never touches this one's jobs, and a lock
// keeps two benches off the same database.

export const ROOT = resolve(__dirname, '../../..');
export const DEFINITIONS_DIR = join(ROOT, 'tag-definitions');
// The two-key advisory lock space, first key: 'tf'.
const BENCH_LOCK_CLASS = 0x7466;
const LOAD_BATCH = 5000;
const RUN_POLL_MS = 500;

export interface CommonOptions {
  databaseUrl: string;
  redisUrl: string;
  poolSize: number;
  // --api-cpu-prof <dir>: the API writes a V8 CPU profile there when it stops (node --cpu-prof)
  apiCpuProfileDir: string | undefined;
}

export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  if (index === -1) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

export function positiveInteger(name: string, fallback: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

export function commonOptions(): CommonOptions {
  return {
    databaseUrl: argument('--database-url') ?? 'postgres://postgres@127.0.0.1:5432/tagforge_bench_api',
    redisUrl: argument('--redis-url') ?? 'redis://127.0.0.1:6379',
    poolSize: positiveInteger('--pool', 10),
    apiCpuProfileDir: argument('--api-cpu-prof'),
  };
}

const benchStart = performance.now();
export function progress(message: string): void {
  const seconds = ((performance.now() - benchStart) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

export function customerId(index: number): string {
  return `C${String(index + 1).padStart(7, '0')}`;
}

function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name ${JSON.stringify(name)}`);
  return name;
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const admin = new Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

interface RunView {
  status: string;
  progress: { total: number; done: number; percent: number };
  changed?: number;
  error?: string | null;
}

export class BenchEnvironment {
  readonly services: ServiceProcess[] = [];
  private workerProcess: ServiceProcess | undefined;

  private constructor(
    private readonly options: CommonOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly lock: Client,
    readonly api: ServiceProcess,
    readonly http: BenchHttpClient,
    // control queries and the CPU meter; the SQL baseline has a pool of its own
    readonly db: Pool,
  ) {
    this.services.push(api);
  }

  // Takes the database's bench lock; with `fresh`, drops the database and its queue keys. Then migrates
  // (creating the database when missing), starts the API, which activates the shipped catalog, and a
  // worker, and waits until every run is finished (runs a killed bench left behind too: their jobs
  // are still in Redis under this database's prefix).
  static async start(options: CommonOptions, fresh: boolean): Promise<BenchEnvironment> {
    const lock = await lockDatabaseName(options.databaseUrl);
    const queuePrefix = `{${databaseName(options.databaseUrl)}}`;
    if (fresh) {
      await dropDatabase(options.databaseUrl);
      await deleteQueueKeys(options.redisUrl, queuePrefix);
    }
    const apiKey = randomBytes(24).toString('base64url');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      TAG_DEFINITIONS_DIR: DEFINITIONS_DIR,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      BOOTSTRAP_API_KEY: apiKey,
      DB_POOL_SIZE: String(options.poolSize),
      // The benchmark is one key asking as fast as it can; the per-key bucket would only cap it.
      RATE_LIMIT_PER_SECOND: '1000000',
      // Loaded profiles have no evaluation job: the reconciler must not race the recompute for them.
      RECONCILE_GRACE_SECONDS: '86400',
    };
    await runToCompletion(join(ROOT, 'dist/apps/cli/src/main.js'), ['migrate'], env);
    const port = await freePort();
    const api = ServiceProcess.start(
      'api',
      join(ROOT, 'dist/apps/api/src/main.js'),
      { ...env, PORT: String(port), WORKER_METRICS_PORT: '0' },
      join(tmpdir(), `tagforge-bench-api-${process.pid}-api.log`),
      options.apiCpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(options.apiCpuProfileDir)] : [],
    );
    const db = new Pool({ connectionString: options.databaseUrl, max: 2 });
    const environment = new BenchEnvironment(
      options,
      env,
      lock,
      api,
      new BenchHttpClient(`http://127.0.0.1:${port}`, apiKey),
      db,
    );
    const killAll = () => environment.services.forEach((service) => service.killNow());
    process.on('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(130);
      });
    }
    await api.waitUntilReady(`http://127.0.0.1:${port}/health/ready`, 120_000);
    progress(`api ready (pid ${api.pid}, :${port}, DB_POOL_SIZE ${options.poolSize}); log ${api.logFile}`);
    await environment.startWorker();
    return environment;
  }

  async startWorker(): Promise<ServiceProcess> {
    if (this.workerProcess) return this.workerProcess;
    const metricsPort = await freePort();
    const worker = ServiceProcess.start(
      'worker',
      join(ROOT, 'dist/apps/worker/src/main.js'),
      { ...this.env, WORKER_METRICS_PORT: String(metricsPort) },
      join(tmpdir(), `tagforge-bench-api-${process.pid}-worker.log`),
      WORKER_NODE_ARGS,
    );
    this.services.push(worker);
    this.workerProcess = worker;
    await worker.waitUntilReady(`http://127.0.0.1:${metricsPort}/metrics`, 120_000);
    progress(`worker ready (pid ${worker.pid}); log ${worker.logFile}`);
    await this.waitForIdleRuns(3_600_000);
    return worker;
  }

  // A second API process that serves its reads from a replica (DATABASE_READ_URL), beside the first.
  async startReadApi(readUrl: string): Promise<{ http: BenchHttpClient; stop: () => Promise<void> }> {
    const port = await freePort();
    const api = ServiceProcess.start(
      'api-replica',
      join(ROOT, 'dist/apps/api/src/main.js'),
      { ...this.env, DATABASE_READ_URL: readUrl, PORT: String(port), WORKER_METRICS_PORT: '0' },
      join(tmpdir(), `tagforge-bench-api-${process.pid}-api-replica.log`),
    );
    this.services.push(api);
    await api.waitUntilReady(`http://127.0.0.1:${port}/health/ready`, 120_000);
    progress(
      `api reading from ${readUrl.replace(/\/\/[^@]*@/, '//')} ready (pid ${api.pid}, :${port}); log ${api.logFile}`,
    );
    const http = new BenchHttpClient(`http://127.0.0.1:${port}`, this.http.apiKey);
    return {
      http,
      stop: async () => {
        http.close();
        await api.stop();
        this.services.splice(this.services.indexOf(api), 1);
      },
    };
  }

  get worker(): ServiceProcess | undefined {
    return this.workerProcess;
  }

  async stopWorker(): Promise<void> {
    if (!this.workerProcess) return;
    await this.workerProcess.stop();
    this.services.splice(this.services.indexOf(this.workerProcess), 1);
    this.workerProcess = undefined;
  }

  async waitForIdleRuns(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let reported = false;
    for (;;) {
      const { rows } = await this.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM evaluation_run WHERE status IN ('queued', 'running')`,
      );
      if (rows[0].n === 0) return;
      if (!reported)
        progress(
          `waiting for ${rows[0].n} open runs (the catalog activation at start-up, or left by a killed bench)`,
        );
      reported = true;
      for (const service of this.services) service.assertRunning();
      if (Date.now() > deadline) throw new Error(`${rows[0].n} runs still open after ${timeoutMs} ms`);
      await sleep(RUN_POLL_MS);
    }
  }

  // Polls a run (GET `path`) until it succeeds; seconds from `started` to the poll that saw it.
  async awaitRun(label: string, path: string, started: number, timeoutMs: number): Promise<number> {
    let reportedAt = performance.now();
    for (;;) {
      await sleep(RUN_POLL_MS);
      for (const service of this.services) service.assertRunning();
      const run = await this.http.expect<RunView>(200, 'GET', path);
      const now = performance.now();
      if (run.status === 'succeeded') return (now - started) / 1000;
      if (run.status === 'failed' || run.status === 'cancelled') {
        throw new Error(`${label}: ${path} ${run.status}: ${run.error ?? ''}`);
      }
      if (now - reportedAt >= 15_000) {
        reportedAt = now;
        progress(
          `${label}: ${run.status} ${run.progress.percent}% (${run.progress.done}/${run.progress.total})`,
        );
      }
      if (now - started > timeoutMs) throw new Error(`${label}: not finished after ${timeoutMs} ms`);
    }
  }

  // Stops the services; the queue keys go too unless a run is unfinished (the next bench resumes it).
  async stop(): Promise<void> {
    this.http.close();
    await Promise.all(this.services.map((service) => service.stop()));
    const prefix = this.env.QUEUE_PREFIX!;
    const open = await this.db
      .query<{ n: number }>(
        `SELECT count(*)::int AS n FROM evaluation_run WHERE status IN ('queued', 'running')`,
      )
      .then((result) => result.rows[0].n)
      .catch(() => -1);
    await this.db.end().catch(() => undefined);
    await this.lock.end().catch(() => undefined);
    if (open === 0) {
      const deleted = await deleteQueueKeys(this.options.redisUrl, prefix).catch(() => 0);
      progress(`stopped api and worker, removed ${deleted} redis keys under ${prefix}`);
    } else {
      progress(`stopped api and worker; kept the keys under ${prefix} (unfinished runs: ${open})`);
    }
  }
}

// A session lock on the maintenance database, keyed by the bench database's name, held until the
// connection closes (also when this process is killed).
async function lockDatabaseName(databaseUrl: string): Promise<Client> {
  const name = databaseName(databaseUrl);
  const client = new Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`,
    [BENCH_LOCK_CLASS, `tagforge-bench-api:${name}`],
  );
  if (!rows[0].locked) {
    await client.end();
    throw new Error(
      `another benchmark is using database ${name}; wait for it or pass another --database-url`,
    );
  }
  return client;
}

// Only this benchmark's keys: the Redis server is shared, so never FLUSHDB.
async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export interface PopulationState {
  customers: number;
  lastCustomerId: string | null;
  unevaluated: number;
  tags: number;
}

export async function populationState(db: Pool): Promise<PopulationState> {
  const { rows } = await db.query<{ n: number; last: string | null; pending: number; tags: string }>(
    `SELECT count(*)::int AS n, max(customer_id) AS last,
            count(*) FILTER (WHERE version > evaluated_version)::int AS pending,
            (SELECT reltuples::bigint FROM pg_class WHERE relname = 'customer_tag') AS tags
       FROM customer_profile WHERE version > 0`,
  );
  return {
    customers: rows[0].n,
    lastCustomerId: rows[0].last,
    unevaluated: rows[0].pending,
    tags: Math.max(0, Number(rows[0].tags)),
  };
}

// Fails unless the database holds exactly customers C0000001..C<n>, every one evaluated.
export async function requirePopulation(db: Pool, customers: number): Promise<PopulationState> {
  const state = await populationState(db);
  if (
    state.customers !== customers ||
    state.lastCustomerId !== customerId(customers - 1) ||
    state.unevaluated > 0
  ) {
    throw new Error(
      `the database holds ${state.customers} customers (last ${state.lastCustomerId}, ${state.unevaluated} not ` +
        `evaluated), not the ${customers} expected: run \`npm run bench:api -- --customers ${customers}\` ` +
        `without --reuse to load them`,
    );
  }
  return state;
}

// Generated profiles INSERTed set-based as if ingested (version 1, never evaluated, pending_paths
// NULL = every tag), then one recompute run through the API and the worker: the tags are the
// product's own. The next batch is generated while Postgres inserts the previous one.
export async function loadPopulation(
  environment: BenchEnvironment,
  options: { customers: number; seed: number },
): Promise<{ loadSeconds: number; recomputeSeconds: number }> {
  const { customers, seed } = options;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const client = await environment.db.connect();
  const started = performance.now();
  let reported = 0;
  try {
    let pending: Promise<unknown> | undefined;
    for (let first = 0; first < customers; first += LOAD_BATCH) {
      const ids: string[] = [];
      const documents: string[] = [];
      for (let index = first; index < Math.min(customers, first + LOAD_BATCH); index += 1) {
        const record = syntheticCustomer(seed, index, now);
        ids.push(record.customerId);
        documents.push(JSON.stringify(record.profile));
      }
      await pending;
      pending = client.query(
        `INSERT INTO customer_profile (customer_id, profile, version, evaluated_version, pending_paths)
         SELECT t.customer_id, t.profile, 1, 0, NULL FROM unnest($1::varchar[], $2::jsonb[]) AS t(customer_id, profile)`,
        [ids, documents],
      );
      const loaded = first + ids.length;
      if (loaded - reported >= Math.max(LOAD_BATCH, customers / 10) || loaded === customers) {
        reported = loaded;
        const seconds = (performance.now() - started) / 1000;
        progress(`loading: ${loaded}/${customers} profiles (${(loaded / seconds).toFixed(0)}/s)`);
      }
    }
    await pending;
    await client.query('ANALYZE customer_profile');
  } finally {
    client.release();
  }
  const loadSeconds = (performance.now() - started) / 1000;

  await environment.startWorker();
  const recomputeStarted = performance.now();
  const { runId } = await environment.http.expect<{ runId: string }>(202, 'POST', '/v1/runs', {
    kind: 'recompute',
  });
  progress(`recompute run ${runId}: evaluating every tag of ${customers} customers`);
  const recomputeSeconds = await environment.awaitRun(
    'recompute',
    `/v1/runs/${runId}`,
    recomputeStarted,
    Math.max(600_000, customers * 20),
  );
  progress(`recompute succeeded in ${recomputeSeconds.toFixed(1)} s`);
  // What autovacuum does after a bulk write, done now so that reads meet a steady state (visibility
  // map set, so counts are index-only scans; fresh statistics).
  const vacuumStarted = performance.now();
  await environment.db.query('VACUUM (ANALYZE) customer_tag');
  await environment.db.query('VACUUM (ANALYZE) customer_profile');
  await environment.db.query('ANALYZE tag_history');
  progress(`vacuum analyze in ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);
  return { loadSeconds, recomputeSeconds };
}
