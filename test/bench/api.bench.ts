import autocannon from 'autocannon';
import { Pool } from 'pg';
// The prepared statement CustomerLookupRepository.currentOfCustomer sends for one lookup.
import { CUSTOMER_TAGS_STATEMENT } from '@tagforge/serving';
import {
  argument,
  BenchEnvironment,
  commonOptions,
  customerId,
  loadPopulation,
  positiveInteger,
  progress,
  requirePopulation,
} from './api-environment';
import type { BenchHttpClient } from './api-http';
import { CpuMeter, describeCpu, type CpuUse } from './api-processes';
import { describePostgres } from './postgres-settings';

// The read API a CRM and campaign tools call, over a population of generated customers whose tags
// the product evaluated itself (one recompute run), with the API started from dist:
//   lookups  GET /v1/customers/{id}/tags on random existing ids (autocannon), and beside it the same
//            statement the API runs (profile versions joined to current tags) through pg at the same
//            concurrency: the limit, and the ratio to it;
//   export   the largest segment streamed as CSV, its line count checked against GET /v1/segments/{id}
//            (and the largest boolean tag the same way, when it has more members);
//   size     GET /v1/segments/{id} of that segment, median of sequential calls.
// Usage (after `npm run build`):
//   npm run bench:api -- [--customers 1000000] [--reuse] [--seed 42] [--connections 32] [--seconds 20]
//     [--warmup 5] [--size-calls 50] [--pool 10]
//     [--database-url postgres://postgres@127.0.0.1:5432/tagforge_bench_api] [--redis-url redis://127.0.0.1:6379]
//     [--replica-url postgres://postgres@127.0.0.1:5544/tagforge_bench_api] [--api-cpu-prof <dir>]
// With --replica-url (a streaming replica of --database-url's server, docs/scaling.md), a second API
// process reads from it (DATABASE_READ_URL) and the lookups run through it too, right after the
// first: lookups/s with and without the replica, side by side, and the replica's lag header checked.
// Without --reuse the database is dropped and loaded again (1 M customers: about 10 minutes of load
// and a recompute run); it is kept afterwards for --reuse and for api-sandbox.bench. Progress goes to
// stderr; the last line of stdout is one JSON object.

// What AudienceService runs for an export (pages of 10,000) and for `size`.
const MEMBERS_PAGE_SQL = `SELECT customer_id, since FROM customer_tag
  WHERE tag_id = $1 AND ($2::varchar IS NULL OR customer_id > $2) ORDER BY customer_id LIMIT $3`;
const EXPORT_PAGE = 10_000;
const SIZE_SQL = `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = $1`;
// What AudienceRepository.lastChangedAt reads now (the size rollup's last change).
const LAST_CHANGED_SQL = `SELECT max(last_at) AS at FROM audience_size_delta WHERE tag_id = $1`;

interface Options {
  customers: number;
  reuse: boolean;
  seed: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  sizeCalls: number;
  replicaUrl: string | undefined;
}

function parseOptions(): Options {
  const customers = positiveInteger('--customers', 1_000_000);
  if (customers > 9_999_999) throw new Error('--customers must be at most 9,999,999');
  return {
    customers,
    reuse: process.argv.includes('--reuse'),
    seed: positiveInteger('--seed', 42),
    connections: positiveInteger('--connections', 32),
    seconds: positiveInteger('--seconds', 20),
    warmupSeconds: Number(argument('--warmup') ?? 5),
    sizeCalls: positiveInteger('--size-calls', 50),
    replicaUrl: argument('--replica-url'),
  };
}

interface Throughput {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpu: CpuUse;
}

// Nearest-rank percentile.
function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const fixed = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

// Uniform over C0000001..C<n>, all of which exist.
function randomCustomer(customers: number): string {
  return customerId(Math.floor(Math.random() * customers));
}

async function apiLookups(
  http: BenchHttpClient,
  meter: CpuMeter,
  options: Options,
  seconds: number,
): Promise<Throughput> {
  const latencies: number[] = [];
  const before = await meter.snapshot();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: http.baseUrl,
        connections: options.connections,
        duration: seconds,
        headers: { authorization: `Bearer ${http.apiKey}`, accept: 'application/json' },
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({
              ...request,
              path: `/v1/customers/${randomCustomer(options.customers)}/tags`,
            }),
          },
        ],
      },
      (error: unknown, done: autocannon.Result) => (error ? reject(error as Error) : resolve(done)),
    );
    // autocannon's own histogram keeps whole milliseconds; these are the exact response times.
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
    });
  });
  const cpu = CpuMeter.use(before, await meter.snapshot());
  const requests = latencies.length;
  return {
    requests,
    errors: result.errors + result.non2xx,
    seconds: result.duration,
    perSecond: requests / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpu,
  };
}

// The same lookup as plain SQL: `connections` loops, each issuing the API's statement through a pool
// as large as the API's.
async function sqlLookups(
  pool: Pool,
  meter: CpuMeter,
  options: Options,
  seconds: number,
): Promise<Throughput> {
  const latencies: number[] = [];
  let errors = 0;
  let stop = false;
  const before = await meter.snapshot();
  const started = performance.now();
  const timer = setTimeout(() => (stop = true), seconds * 1000);
  const loop = async () => {
    while (!stop) {
      const id = randomCustomer(options.customers);
      const sent = performance.now();
      try {
        const lookup = await pool.query<{ tags: unknown[] }>({ ...CUSTOMER_TAGS_STATEMENT, values: [id] });
        if (lookup.rows.length === 0 || lookup.rows[0].tags.length === 0) errors += 1;
        else latencies.push(performance.now() - sent);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  clearTimeout(timer);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = CpuMeter.use(before, await meter.snapshot());
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpu,
  };
}

function describeThroughput(label: string, run: Throughput): string {
  return (
    `${label}: ${run.perSecond.toFixed(0)} lookups/s (${run.requests} in ${run.seconds.toFixed(1)} s, ` +
    `${run.errors} errors), p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms`
  );
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

interface Export {
  id: string;
  members: number;
  size: number;
  seconds: number;
  bytes: number;
  cpu: CpuUse;
}

// Streams an audience as CSV and checks the line count (less the header) against its size.
async function exportAudience(
  environment: BenchEnvironment,
  meter: CpuMeter,
  kind: 'segments' | 'tags',
  id: string,
): Promise<Export> {
  const before = await meter.snapshot();
  const exported = await environment.http.countLines(`/v1/${kind}/${id}/members`, 'text/csv');
  const cpu = CpuMeter.use(before, await meter.snapshot());
  if (exported.status !== 200) throw new Error(`export of ${kind} ${id} answered ${exported.status}`);
  const sizePath = kind === 'segments' ? `/v1/segments/${id}` : `/v1/tags/${id}/size`;
  const { size } = await environment.http.expect<{ size: number }>(200, 'GET', sizePath);
  const members = exported.lines - 1;
  if (members !== size) {
    progress(`error: the export of ${kind} ${id} has ${members} lines after the header, size says ${size}`);
    process.exitCode = 1;
  }
  return { id, members, size, seconds: exported.ms / 1000, bytes: exported.bytes, cpu };
}

function describeExport(label: string, exported: Export): string {
  const perSecond = exported.members / exported.seconds;
  return (
    `${label}: ${exported.members} members (size ${exported.size}) as CSV in ${exported.seconds.toFixed(2)} s, ` +
    `${perSecond.toFixed(0)} members/s (1 M would take ${(1e6 / perSecond).toFixed(1)} s), ` +
    `${(exported.bytes / 2 ** 20).toFixed(1)} MiB`
  );
}

async function main(): Promise<void> {
  const options = parseOptions();
  const common = commonOptions();
  const { customers } = options;
  progress(
    `api bench: ${customers} customers, ${options.reuse ? 'reusing' : 'loading'} ${common.databaseUrl}, ` +
      `${options.connections} connections x ${options.seconds} s`,
  );
  // The worker is needed only while runs have work: the load's recompute, or the activation the API
  // starts when the shipped catalog differs from the stored one; it is stopped before measuring.
  const environment = await BenchEnvironment.start(common, !options.reuse);
  const sqlPool = new Pool({ connectionString: common.databaseUrl, max: common.poolSize });
  try {
    let load: { loadSeconds: number; recomputeSeconds: number } | undefined;
    if (!options.reuse) load = await loadPopulation(environment, { customers, seed: options.seed });
    const population = await requirePopulation(environment.db, customers);
    await environment.stopWorker();
    const activeTags = (
      await environment.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tag_definition WHERE status = 'active'`,
      )
    ).rows[0].n;

    const sample = await environment.http.expect<{ tags: unknown[] }>(
      200,
      'GET',
      `/v1/customers/${customerId(0)}/tags`,
    );
    if (!Array.isArray(sample.tags) || sample.tags.length === 0)
      throw new Error(`${customerId(0)} has no tags`);

    const meter = new CpuMeter(environment.services, environment.db);
    await sqlPool.query('SELECT 1');
    if (options.warmupSeconds > 0) {
      progress(`warm-up: ${options.warmupSeconds} s of each (caches, JIT, connections)`);
      await apiLookups(environment.http, meter, options, options.warmupSeconds);
      await sqlLookups(sqlPool, meter, options, options.warmupSeconds);
    }
    progress(`lookups through the API: ${options.connections} connections for ${options.seconds} s`);
    const api = await apiLookups(environment.http, meter, options, options.seconds);
    progress(describeThroughput('api', api));
    let replica: { run: Throughput; lagHeader: string } | undefined;
    if (options.replicaUrl) {
      const { http: replicaHttp, stop } = await environment.startReadApi(options.replicaUrl);
      const probe = await replicaHttp.send('GET', `/v1/customers/${customerId(0)}/tags`);
      const lagHeader = probe.headers['tagforge-replica-lag'];
      if (probe.status !== 200 || typeof lagHeader !== 'string') {
        throw new Error(`the replica-reading API answered ${probe.status} without Tagforge-Replica-Lag`);
      }
      if (options.warmupSeconds > 0) await apiLookups(replicaHttp, meter, options, options.warmupSeconds);
      progress(
        `lookups through the API reading from the replica: ${options.connections} connections for ${options.seconds} s`,
      );
      replica = { run: await apiLookups(replicaHttp, meter, options, options.seconds), lagHeader };
      progress(describeThroughput('api (replica)', replica.run));
      await stop();
    }
    progress(`lookups as plain SQL: ${options.connections} loops for ${options.seconds} s`);
    const sql = await sqlLookups(sqlPool, meter, options, options.seconds);
    progress(describeThroughput('sql', sql));

    const segments = (
      await environment.http.expect<{ items: { id: string; size: number }[] }>(200, 'GET', '/v1/segments')
    ).items;
    if (segments.length === 0) throw new Error('no active segments');
    const largest = segments.reduce((best, segment) => (segment.size > best.size ? segment : best));
    progress(`export: ${largest.id} (${largest.size} members) as CSV`);
    const exported = await exportAudience(environment, meter, 'segments', largest.id);
    // The database's share of the export: the same pages, fetched and discarded.
    const sqlExport = await timed(async () => {
      let after: string | null = null;
      let rows = 0;
      for (;;) {
        const page: { rows: { customer_id: string }[] } = await sqlPool.query(MEMBERS_PAGE_SQL, [
          largest.id,
          after,
          EXPORT_PAGE,
        ]);
        rows += page.rows.length;
        if (page.rows.length < EXPORT_PAGE) return rows;
        after = page.rows[page.rows.length - 1].customer_id;
      }
    });

    // The segments hold a fraction of the customers; the goal speaks of a million members, which the
    // largest boolean tag (the same export code) comes closer to.
    const biggestTag = (
      await environment.db.query<{ tag_id: string; n: number }>(
        `SELECT d.tag_id, (SELECT count(*) FROM customer_tag t WHERE t.tag_id = d.tag_id)::int AS n
           FROM tag_definition d WHERE d.status = 'active' AND d.kind = 'boolean' ORDER BY n DESC LIMIT 1`,
      )
    ).rows[0];
    let tagExport: Export | undefined;
    if (biggestTag && biggestTag.n > exported.members) {
      progress(`export: boolean tag ${biggestTag.tag_id} (${biggestTag.n} members) as CSV`);
      tagExport = await exportAudience(environment, meter, 'tags', biggestTag.tag_id);
    }

    progress(`size: ${options.sizeCalls} calls of GET /v1/segments/${largest.id}`);
    const sizeMs: number[] = [];
    const countMs: number[] = [];
    const lastChangedMs: number[] = [];
    for (let call = 0; call < options.sizeCalls; call += 1) {
      sizeMs.push((await timed(() => environment.http.expect(200, 'GET', `/v1/segments/${largest.id}`))).ms);
    }
    for (let call = 0; call < Math.min(20, options.sizeCalls); call += 1) {
      countMs.push((await timed(() => sqlPool.query(SIZE_SQL, [largest.id]))).ms);
      lastChangedMs.push((await timed(() => sqlPool.query(LAST_CHANGED_SQL, [largest.id]))).ms);
    }

    const ratioToSql = api.perSecond / sql.perSecond;
    const exportSeconds = exported.seconds;
    const exportMembers = exported.members;
    const sizeMedian = percentile(sizeMs, 0.5);
    const perLookup = (seconds: number | null, run: Throughput) =>
      seconds === null ? 'n/a' : `${((seconds / run.requests) * 1e6).toFixed(0)} us`;
    out(
      `api bench: ${customers} customers (${population.tags} customer_tag rows, estimated), ${activeTags} active ` +
        `definitions, node ${process.version}, DB_POOL_SIZE ${common.poolSize}, LOG_LEVEL ${process.env.LOG_LEVEL ?? 'warn'}`,
    );
    out(await describePostgres(environment.db));
    if (load) {
      out(
        `setup (not measured below): load ${load.loadSeconds.toFixed(1)} s, recompute run ${load.recomputeSeconds.toFixed(1)} s`,
      );
    }
    out(`${describeThroughput(`GET /v1/customers/{id}/tags, ${options.connections} connections`, api)}`);
    out(
      `    ${describeCpu(api.cpu, ['api'], 'autocannon')}; per lookup: api ${perLookup(api.cpu.services[0], api)}, ` +
        `postgres ${perLookup(api.cpu.postgres, api)}`,
    );
    out(`${describeThroughput(`same statement via pg, ${options.connections} loops`, sql)}`);
    out(
      `    ${describeCpu(sql.cpu, ['api (idle)'], 'pg loop')}; per lookup: pg loop ${perLookup(sql.cpu.bench, sql)}, ` +
        `postgres ${perLookup(sql.cpu.postgres, sql)}`,
    );
    out(`    api/sql = ${ratioToSql.toFixed(3)}`);
    if (replica) {
      out(
        `${describeThroughput(`GET /v1/customers/{id}/tags from the replica (DATABASE_READ_URL), ${options.connections} connections`, replica.run)}`,
      );
      out(
        `    ${describeCpu(replica.run.cpu, ['api', 'api (replica)'], 'autocannon')} (postgres: the primary's backends only); replica/primary = ` +
          `${(replica.run.perSecond / api.perSecond).toFixed(3)}; Tagforge-Replica-Lag on a sample: ${replica.lagHeader} s`,
      );
    }
    out(describeExport(`export segment ${largest.id}`, exported));
    out(
      `    the same ${EXPORT_PAGE}-row pages via pg: ${(sqlExport.ms / 1000).toFixed(2)} s (${sqlExport.value} rows)`,
    );
    out(`    ${describeCpu(exported.cpu, ['api'], 'client')}`);
    if (tagExport) {
      out(describeExport(`export boolean tag ${tagExport.id}`, tagExport));
      out(`    ${describeCpu(tagExport.cpu, ['api'], 'client')}`);
    }
    out(
      `size GET /v1/segments/${largest.id}: median ${sizeMedian.toFixed(1)} ms, p90 ${percentile(sizeMs, 0.9).toFixed(1)} ms ` +
        `(${sizeMs.length} calls); its statements via pg: count(*) median ${percentile(countMs, 0.5).toFixed(1)} ms, ` +
        `last change median ${percentile(lastChangedMs, 0.5).toFixed(1)} ms`,
    );
    if (api.errors > 0 || sql.errors > 0 || (replica?.run.errors ?? 0) > 0) process.exitCode = 1;
    out(
      JSON.stringify({
        customers,
        lookupRps: Math.round(api.perSecond),
        ...(replica ? { replicaLookupRps: Math.round(replica.run.perSecond) } : {}),
        lookupP50Ms: fixed(api.p50, 2),
        lookupP99Ms: fixed(api.p99, 2),
        sqlRps: Math.round(sql.perSecond),
        ratioToSql: fixed(ratioToSql, 3),
        exportMembers,
        exportSeconds: fixed(exportSeconds, 2),
        sizeMs: fixed(sizeMedian, 1),
      }),
    );
  } finally {
    await sqlPool.end().catch(() => undefined);
    await environment.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`api bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
