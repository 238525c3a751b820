import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { BenchHttpClient, getText } from './pipeline-http';
import { dropDatabase, loadProfiles, shippedCatalog } from './pipeline-load';
import {
  histogramDelta,
  histogramQuantile,
  histogramSumCount,
  parseHistogram,
  sumHistograms,
  percentile,
  seriesValue,
} from './pipeline-metrics';
import { CpuMeter, describeCpu } from './pipeline-cpu';
import { freePort, runToCompletion, ServiceProcess, sleep, WORKER_NODE_ARGS } from './pipeline-processes';
import { runWritePhase } from './pipeline-writes';
import { measureSqlWriteFloor } from './pipeline-sql-floor';
import { describePostgres } from './postgres-settings';

// The whole pipeline on the shipped catalog and generated profiles, with the API and --workers worker processes
// started from dist as child processes against a database and a queue prefix of its own:
//   (a) the first full evaluation of every customer (a recompute run), (b) a recompute where
//   nothing changes, (c) profile merge-patches at a fixed rate with tag freshness, (d) the activation
//   of one new tag set for about half the customers (after the floor), and two peers
//   measured in the same run: the in-memory limit (CatalogEvaluator over the same profiles) and the
//   plain-SQL floor of (a) (Postgres copying a sample of (a)'s rows into tables with the same indexes).
// Usage (after `npm run build`):
//   npm run bench:pipeline -- --customers <n> [--workers 1] [--rate 200] [--seconds 30] [--seed 42]
//     [--database-url postgres://postgres@127.0.0.1:5432/tagforge_bench] [--redis-url redis://127.0.0.1:6379]
//     [--keep-database] [--floor-sample 100000]
// Progress goes to stderr; the last line of stdout is one JSON object.

const ROOT = resolve(__dirname, '../../..');
const FRESHNESS_METRIC = 'tagforge_tag_freshness_seconds';
const RUN_POLL_MS = 250;

interface Options {
  customers: number;
  workers: number;
  rate: number;
  seconds: number;
  seed: number;
  databaseUrl: string;
  redisUrl: string;
  keepDatabase: boolean;
  floorSample: number;
  // --cpu-prof <dir>: each worker writes a V8 CPU profile there when it stops
  cpuProfileDir: string | undefined;
}

interface RunView {
  status: string;
  progress: { total: number; done: number; percent: number };
  changed: number;
  failed: number;
  ruleErrors: Record<string, { count: number; example: string }>;
  error: string | null;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  if (index === -1) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function positive(name: string, fallback: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

function parseOptions(): Options {
  const customers = positive('--customers', 10_000);
  if (!Number.isInteger(customers) || customers > 9_999_999)
    throw new Error('--customers must be a whole number up to 9,999,999');
  return {
    customers,
    workers: Math.trunc(positive('--workers', 1)),
    rate: positive('--rate', 200),
    seconds: positive('--seconds', 30),
    seed: positive('--seed', 42),
    databaseUrl: argument('--database-url') ?? 'postgres://postgres@127.0.0.1:5432/tagforge_bench',
    redisUrl: argument('--redis-url') ?? 'redis://127.0.0.1:6379',
    keepDatabase: process.argv.includes('--keep-database'),
    floorSample: Math.trunc(positive('--floor-sample', Math.min(customers, 100_000))),
    cpuProfileDir: argument('--cpu-prof'),
  };
}

const benchStart = performance.now();
function progress(message: string): void {
  const seconds = ((performance.now() - benchStart) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

// POST a recompute and poll it to the end; the time is from the POST to seeing `succeeded`.
// A run started by one request (answering 202 with its runId), timed from the request to success.
async function timedRun(
  http: BenchHttpClient,
  label: string,
  start: { method: string; path: string; body: unknown },
  services: readonly ServiceProcess[],
  timeoutMs: number,
): Promise<{ seconds: number; run: RunView }> {
  const started = performance.now();
  const created = await http.send(start.method, start.path, start.body);
  if (created.status !== 202)
    throw new Error(
      `${label}: ${start.method} ${start.path} answered ${created.status} ${JSON.stringify(created.body)}`,
    );
  const { runId } = created.body as { runId: string };
  let reportedPercent = -1;
  let reportedAt = started;
  for (;;) {
    await sleep(RUN_POLL_MS);
    for (const service of services) service.assertRunning();
    const polled = await http.send('GET', `/v1/runs/${runId}`);
    if (polled.status !== 200) throw new Error(`${label}: GET /v1/runs/${runId} answered ${polled.status}`);
    const run = polled.body as RunView;
    const now = performance.now();
    if (run.status === 'succeeded') {
      const seconds = (now - started) / 1000;
      progress(`${label}: succeeded in ${seconds.toFixed(1)} s, ${run.changed} changed`);
      return { seconds, run };
    }
    if (run.status === 'failed' || run.status === 'cancelled') {
      throw new Error(`${label}: run ${runId} ${run.status}: ${run.error ?? ''}`);
    }
    if (run.progress.percent >= reportedPercent + 5 || now - reportedAt >= 10_000) {
      reportedPercent = run.progress.percent;
      reportedAt = now;
      progress(
        `${label}: ${run.status} ${run.progress.percent}% (${run.progress.done}/${run.progress.total} customers, ` +
          `${run.changed} changed)`,
      );
    }
    if (now - started > timeoutMs)
      throw new Error(`${label}: run ${runId} not finished after ${timeoutMs} ms`);
  }
}

const ACTIVATED_TAG = 'bench_salary_above_median';

// The draft of a tag no catalog has, set for customers whose salary is at least `median`; its version.
// (The bench's key is the only one: its API runs without REQUIRE_APPROVAL, as outside production.)
async function createSalaryDraft(http: BenchHttpClient, median: number): Promise<number> {
  const draft = await http.send('POST', '/v1/tags', {
    id: ACTIVATED_TAG,
    name: 'Salary at or above the median (bench)',
    kind: 'boolean',
    purpose: 'marketing',
    category: 'value',
    owner: 'bench',
    description: 'Monthly salary at or above the loaded population median: set for about half the customers.',
    rule: { '>=': [{ var: 'income.monthlySalary' }, median] },
  });
  if (draft.status !== 201)
    throw new Error(`(d): POST /v1/tags answered ${draft.status} ${JSON.stringify(draft.body)}`);
  return (draft.body as { version: number }).version;
}

// The freshness histogram of every worker, summed.
async function scrapeFreshness(metricsUrls: readonly string[]) {
  const snapshots = [];
  for (const url of metricsUrls) {
    const response = await getText(url);
    if (response?.status !== 200) throw new Error(`worker metrics at ${url} did not answer`);
    snapshots.push(parseHistogram(response.text, FRESHNESS_METRIC));
  }
  return sumHistograms(snapshots);
}

// Run-chunk jobs from the workers' own metrics: how long they took and how many attempts failed
// (a failed attempt is retried by BullMQ, its work thrown away).
async function scrapeChunkJobs(
  metricsUrls: readonly string[],
): Promise<{ sum: number; count: number; failed: number }> {
  const total = { sum: 0, count: 0, failed: 0 };
  for (const url of metricsUrls) {
    const response = await getText(url);
    if (response?.status !== 200) continue;
    const jobs = histogramSumCount(response.text, 'tagforge_job_duration_seconds', '{name="run-chunk"}');
    total.sum += jobs.sum;
    total.count += jobs.count;
    total.failed += seriesValue(response.text, 'tagforge_jobs_total{name="run-chunk",outcome="failed"}');
  }
  return total;
}

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

const fixed = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;
const ms = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);

async function waitForIdleRuns(db: Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = (
      await db.query(`SELECT count(*)::int AS n FROM evaluation_run WHERE status IN ('queued', 'running')`)
    ).rows[0].n as number;
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error(`${open} runs still open after ${timeoutMs} ms`);
    await sleep(RUN_POLL_MS);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const { customers } = options;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const prefix = `{bench_${process.pid}}`;
  const apiKey = randomBytes(24).toString('base64url');
  const definitionsDir = join(ROOT, 'tag-definitions');
  const services: ServiceProcess[] = [];
  const killAll = () => services.forEach((service) => service.killNow());
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    TAG_DEFINITIONS_DIR: definitionsDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    BOOTSTRAP_API_KEY: apiKey,
    // The profiles are loaded behind the API's back, so none has an evaluation job; the
    // reconciler would start enqueueing them after its grace period and compete with run (a).
    RECONCILE_GRACE_SECONDS: '86400',
  };
  const cli = join(ROOT, 'dist/apps/cli/src/main.js');
  progress(`pipeline bench: ${customers} customers, seed ${options.seed}, database ${options.databaseUrl}`);
  await dropDatabase(options.databaseUrl);
  await runToCompletion(cli, ['migrate'], env);

  const db = new Client({ connectionString: options.databaseUrl });
  const poller = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  await poller.connect();
  let http: BenchHttpClient | undefined;
  try {
    // The API activates the shipped catalog at start-up, and each activation is a run over every
    // customer; started on the empty database it has nothing to do, so run (a) below is the first
    // evaluation of the loaded customers.
    const apiPort = await freePort();
    const logs = join(tmpdir(), `tagforge-bench-${process.pid}`);
    const api = ServiceProcess.start(
      'api',
      join(ROOT, 'dist/apps/api/src/main.js'),
      { ...env, PORT: String(apiPort), WORKER_METRICS_PORT: '0' },
      `${logs}-api.log`,
    );
    services.push(api);
    const workers: ServiceProcess[] = [];
    const metricsUrls: string[] = [];
    for (let index = 1; index <= options.workers; index += 1) {
      const metricsPort = await freePort();
      const worker = ServiceProcess.start(
        `worker ${index}`,
        join(ROOT, 'dist/apps/worker/src/main.js'),
        { ...env, WORKER_METRICS_PORT: String(metricsPort) },
        `${logs}-worker-${index}.log`,
        [
          ...WORKER_NODE_ARGS,
          ...(options.cpuProfileDir === undefined
            ? []
            : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]),
        ],
      );
      services.push(worker);
      workers.push(worker);
      metricsUrls.push(`http://127.0.0.1:${metricsPort}/metrics`);
    }
    await api.waitUntilReady(`http://127.0.0.1:${apiPort}/health/ready`, 120_000);
    for (const [index, worker] of workers.entries()) await worker.waitUntilReady(metricsUrls[index], 120_000);
    await waitForIdleRuns(db, 120_000);
    progress(
      `api (pid ${api.pid}, :${apiPort}) and ${workers.length} worker(s) (pids ${workers.map((w) => w.pid).join(', ')}) ` +
        `ready; logs ${logs}-*.log`,
    );
    const client = new BenchHttpClient(`http://127.0.0.1:${apiPort}`, apiKey);
    http = client;
    const tags = (await db.query(`SELECT count(*)::int AS n FROM tag_definition WHERE status = 'active'`))
      .rows[0].n as number;
    const catalog = shippedCatalog(definitionsDir);
    if (tags !== catalog.tags) {
      progress(`warning: ${tags} active definitions in the database, ${catalog.tags} in ${definitionsDir}`);
    }

    const load = await loadProfiles(db, {
      customers,
      seed: options.seed,
      now,
      evaluator: catalog.evaluator,
      progress,
    });
    const inMemoryCustomersPerSec = customers / load.inMemorySeconds;
    progress(
      `loaded in ${load.loadSeconds.toFixed(1)} s; in-memory ${inMemoryCustomersPerSec.toFixed(0)} customers/s`,
    );

    const meter = new CpuMeter([api, ...workers], db);
    const serviceNames = ['api', ...workers.map((_, index) => `worker ${index + 1}`)];
    // CPU seconds of all the workers together (services[0] is the API).
    const workersCpu = (cpu: { services: (number | null)[] }) =>
      cpu.services
        .slice(1)
        .reduce<number | null>((sum, seconds) => (seconds === null ? sum : (sum ?? 0) + seconds), null);
    const runTimeoutMs = Math.max(600_000, customers * 10);
    const measureRun = async (label: string) => {
      const cpuPhase = await meter.start();
      const jobsBefore = await scrapeChunkJobs(metricsUrls);
      const result = await timedRun(
        client,
        label,
        { method: 'POST', path: '/v1/runs', body: { kind: 'recompute' } },
        services,
        runTimeoutMs,
      );
      const cpu = await cpuPhase.stop();
      const jobsAfter = await scrapeChunkJobs(metricsUrls);
      const chunks = {
        count: jobsAfter.count - jobsBefore.count,
        sum: jobsAfter.sum - jobsBefore.sum,
        failed: jobsAfter.failed - jobsBefore.failed,
      };
      return { ...result, cpu, chunks };
    };
    const first = await measureRun('(a) first full evaluation');
    const stored = (
      await db.query(
        `SELECT (SELECT count(*) FROM customer_tag)::bigint AS tags,
                (SELECT count(*) FROM tag_history)::bigint AS history,
                (SELECT sum(cardinality(tag_ids)) FROM tag_history)::bigint AS events,
                (SELECT count(*) FROM customer_profile WHERE version > evaluated_version)::bigint AS pending,
                pg_database_size(current_database()) AS bytes`,
      )
    ).rows[0] as { tags: string; history: string; events: string; pending: string; bytes: string };
    // As autovacuum would after (a) rewrote every profile row (its tables here are too young for its
    // thresholds to have fired, and this machine's Postgres runs with autovacuum off).
    const vacuumStarted = performance.now();
    await db.query('VACUUM (ANALYZE) customer_profile, customer_tag');
    progress(`vacuum analyze after (a): ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);
    const second = await measureRun('(b) no-change recompute');
    if (second.run.changed !== 0)
      progress(`warning: the no-change recompute changed ${second.run.changed} tags`);

    const before = await scrapeFreshness(metricsUrls);
    const writesCpuPhase = await meter.start();
    progress(`(c) writes: ${options.rate}/s for ${options.seconds} s`);
    const writes = await runWritePhase({
      http: client,
      db: poller,
      customers,
      seed: options.seed,
      now,
      rate: options.rate,
      seconds: options.seconds,
      drainTimeoutMs: 120_000,
      progress,
    });
    for (const service of services) service.assertRunning();
    // The histogram is observed just before each evaluation commits; let the last ones land.
    await sleep(500);
    const writesCpu = await writesCpuPhase.stop();
    const after = await scrapeFreshness(metricsUrls);
    const delta = after ? histogramDelta(before, after) : null;
    const histogramP50 = delta ? histogramQuantile(delta, 0.5) : null;
    const histogramP99 = delta ? histogramQuantile(delta, 0.99) : null;
    const sampledP50 = percentile(writes.freshnessMs, 0.5);
    const sampledP99 = percentile(writes.freshnessMs, 0.99);
    const errorCount = Object.values(writes.errors).reduce((sum, entry) => sum + entry.count, 0);

    const floorConnections = availableParallelism();
    progress(
      `plain-SQL floor of (a): copying (a)'s rows of ${options.floorSample} customers, ${floorConnections} connections`,
    );
    const floor = await measureSqlWriteFloor(options.databaseUrl, {
      customers,
      sampleCustomers: options.floorSample,
      connections: floorConnections,
    });

    // (d) One new tag activated over everyone, set for about half of them (salary at or above the
    // median): a run over one tag, which reads no other tag and writes one change per customer set.
    const { median } = (
      await db.query(
        `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY (profile #>> '{income,monthlySalary}')::numeric) AS median
           FROM customer_profile`,
      )
    ).rows[0] as { median: string | null };
    const draft = await createSalaryDraft(client, Number(median ?? 0));
    const activation = await timedRun(
      client,
      '(d) activation of one new tag',
      { method: 'POST', path: `/v1/tags/${ACTIVATED_TAG}/versions/${draft}:activate`, body: {} },
      services,
      runTimeoutMs,
    );

    const postgres = await describePostgres(db);
    const customersPerSec = customers / first.seconds;
    const ratioToInMemory = customersPerSec / inMemoryCustomersPerSec;
    const cap = (quantile: { capped: boolean } | null) => (quantile?.capped ? ' (above the top bucket)' : '');
    const perCustomer = (seconds: number | null) =>
      seconds === null ? 'n/a' : `${((seconds / customers) * 1e6).toFixed(0)} us`;
    out(
      `pipeline: ${customers} customers x ${tags} active definitions, node ${process.version}, ` +
        `${options.workers} worker process(es), WORKER_CONCURRENCY ${process.env.WORKER_CONCURRENCY ?? 'default'}`,
    );
    out(postgres);
    out(
      `load (not part of (a)): ${load.loadSeconds.toFixed(1)} s, ${(customers / load.loadSeconds).toFixed(0)} profiles/s`,
    );
    for (const [label, run] of [
      ['(a) first full evaluation', first],
      ['(b) no-change recompute', second],
    ] as const) {
      out(
        `${label}: ${run.seconds.toFixed(2)} s, ${(customers / run.seconds).toFixed(0)} customers/s, ` +
          `${run.run.changed} changed, ${run.run.failed} rule errors; ${run.chunks.count} chunk jobs ` +
          `(${run.chunks.failed} failed attempts), ` +
          `mean ${(run.chunks.sum / Math.max(1, run.chunks.count)).toFixed(2)} s each`,
      );
      out(
        `    ${describeCpu(run.cpu, serviceNames)}; per customer: worker(s) ${perCustomer(workersCpu(run.cpu))}, ` +
          `postgres ${perCustomer(run.cpu.backends)} (+ background ${perCustomer(run.cpu.background)})`,
      );
    }
    out(
      `(d) activation of one new tag (income.monthlySalary >= ${median}): ${activation.seconds.toFixed(2)} s, ` +
        `${(customers / activation.seconds).toFixed(0)} customers/s, ${activation.run.changed} changed ` +
        `(${((activation.run.changed / customers) * 100).toFixed(1)} % of the customers)`,
    );
    out(
      `    after (a): ${stored.tags} customer_tag rows (in memory ${load.inMemoryTagsSet}), ${stored.events} changes in ${stored.history} tag_history rows, ` +
        `${stored.pending} customers pending, database ${(Number(stored.bytes) / 2 ** 30).toFixed(2)} GiB`,
    );
    out(
      `in-memory CatalogEvaluator: ${inMemoryCustomersPerSec.toFixed(0)} customers/s ` +
        `(${load.inMemorySeconds.toFixed(2)} s); pipeline/in-memory = ${ratioToInMemory.toFixed(4)}`,
    );
    out(
      `plain-SQL floor of (a): ${floor.tagRows} customer_tag rows + ${floor.historyRows} tag_history rows (${floor.changes} changes) of ${floor.customers} ` +
        `customers copied into tables with the same indexes (${floorConnections} connections, a transaction per 1,000 ` +
        `customers) in ${floor.seconds.toFixed(2)} s; for all ${customers}: ${floor.projectedSeconds.toFixed(1)} s; ` +
        `(a)/floor = ${(first.seconds / floor.projectedSeconds).toFixed(2)}`,
    );
    out(
      `(c) writes: ${writes.attempted} sent at ${options.rate}/s, ${writes.succeeded} ok, ${errorCount} errors, ` +
        `${writes.unchanged} unchanged, ${writes.writesPerSec.toFixed(1)} writes/s achieved; PATCH latency ` +
        `p50 ${ms(percentile(writes.requestMs, 0.5))}, p99 ${ms(percentile(writes.requestMs, 0.99))}`,
    );
    for (const [kind, entry] of Object.entries(writes.errors))
      out(`    ${entry.count} x ${kind}: ${entry.example}`);
    out(
      `    freshness, worker histogram (${delta?.count ?? 0} evaluations): p50 ${ms(histogramP50 && histogramP50.value * 1000)}` +
        `${cap(histogramP50)}, p99 ${ms(histogramP99 && histogramP99.value * 1000)}${cap(histogramP99)}`,
    );
    out(
      `    freshness, polled evaluated_version >= version (${writes.freshnessMs.length} writes, ` +
        `${writes.superseded} superseded, ${writes.unresolved} unresolved, drained in ${writes.drainSeconds.toFixed(1)} s): ` +
        `p50 ${ms(sampledP50)}, p99 ${ms(sampledP99)}`,
    );
    const perWrite = (seconds: number | null) =>
      seconds === null || writes.succeeded === 0
        ? 'n/a'
        : `${((seconds / writes.succeeded) * 1000).toFixed(1)} ms`;
    out(
      `    ${describeCpu(writesCpu, serviceNames)}; per write: api ${perWrite(writesCpu.services[0])}, ` +
        `worker(s) ${perWrite(workersCpu(writesCpu))}, postgres ${perWrite(writesCpu.backends)} (+ background ${perWrite(writesCpu.background)})`,
    );
    if (!delta)
      progress(`warning: the worker exports no ${FRESHNESS_METRIC}; freshness below is the polled one`);
    if (errorCount > 0 || writes.unresolved > 0) process.exitCode = 1;
    const freshnessP50Ms = histogramP50 ? histogramP50.value * 1000 : sampledP50;
    const freshnessP99Ms = histogramP99 ? histogramP99.value * 1000 : sampledP99;
    out(
      JSON.stringify({
        customers,
        tags,
        firstFullSeconds: fixed(first.seconds, 2),
        noChangeRecomputeSeconds: fixed(second.seconds, 2),
        customersPerSec: Math.round(customersPerSec),
        inMemoryCustomersPerSec: Math.round(inMemoryCustomersPerSec),
        ratioToInMemory: fixed(ratioToInMemory, 4),
        freshnessP50Ms: freshnessP50Ms === null ? null : fixed(freshnessP50Ms, 1),
        freshnessP99Ms: freshnessP99Ms === null ? null : fixed(freshnessP99Ms, 1),
        writesPerSec: fixed(writes.writesPerSec, 1),
      }),
    );
  } finally {
    http?.close();
    await Promise.all(services.map((service) => service.stop()));
    await Promise.allSettled([db.end(), poller.end()]);
    const deleted = await deleteQueueKeys(options.redisUrl, prefix).catch(() => 0);
    if (!options.keepDatabase) await dropDatabase(options.databaseUrl);
    progress(
      `stopped api and workers, removed ${deleted} redis keys under ${prefix}` +
        (options.keepDatabase ? `, kept ${options.databaseUrl}` : ', dropped the database'),
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pipeline bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
