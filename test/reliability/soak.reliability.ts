import { Deployment } from './support/deployment';
import {
  SeededRandom,
  WriteTally,
  customerIdOf,
  loadInBatches,
  patchLine,
  profileLine,
  runAtRate,
} from './support/load';
import { histogramDelta, histogramOf, quantile, sumOf, type Histogram } from './support/prometheus-text';
import { pick } from './support/settings';
import {
  announce,
  assertProcessesUp,
  cpuSnapshot,
  jobFailures,
  memorySnapshot,
  say,
} from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'soak';
const CUSTOMERS = pick(1000, 5000);
const DURATION_MS = pick(60_000, 10 * 60_000);
const WRITES_PER_SECOND = 200;
const LOOKUPS_PER_SECOND = 50;
const EXPORT_EVERY_MS = 5000;
const AUDIENCES = [
  '/v1/segments/low_risk_customers/members',
  '/v1/segments/do_not_market/members',
  '/v1/tags/affluent/members',
  '/v1/tags/app_user/members',
];

function formatQuantile(histogram: Histogram, q: number): string {
  const result = quantile(histogram, q);
  if (!result) return 'n/a';
  return `${result.above ? '>' : ''}${(result.value * 1000).toFixed(0)} ms`;
}

// 7. Sustained load on loopback: 200 profile writes/s, lookups and CSV exports for a minute (short)
// or ten (long). Reports freshness (profile commit to tags commit) p50/p99 from the worker's
// histogram, errors (HTTP and job failures: must be 0) and the RSS of every process at start and end.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;

  afterAll(async () => {
    await deployment?.close();
  });

  test(`${WRITES_PER_SECOND} writes/s with lookups and exports for ${DURATION_MS / 1000} s`, async () => {
    announce(
      SCENARIO,
      `${CUSTOMERS} customers, ${WRITES_PER_SECOND} writes/s + ${LOOKUPS_PER_SECOND} lookups/s + an export every ${EXPORT_EVERY_MS / 1000} s for ${DURATION_MS / 1000} s`,
    );
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const api = await system.startApi();
    const worker = await system.startWorker();
    const seeding = new WriteTally();
    const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(7, index));
    await loadInBatches(api.http, profiles, {
      batchSize: 1000,
      concurrency: 2,
      tally: seeding,
      signal: system.stopping.signal,
    });
    expect((await waitForConvergence(system, pick(180_000, 600_000))).converged).toBe(true);

    const startSamples = await worker.metrics();
    if (!startSamples) throw new Error('worker metrics unavailable');
    const freshnessBefore = histogramOf([startSamples], 'tagforge_tag_freshness_seconds');
    const failuresBefore = await jobFailures(system);
    const memoryAtStart = memorySnapshot(system);
    const cpuAtStart = cpuSnapshot(system);
    const tally = new WriteTally();
    const writeLatencies: number[] = [];
    const loadStarted = Date.now();
    const reads = new WriteTally();
    const exports = { count: 0, bytes: 0 };
    const random = new SeededRandom(77);
    const end = Date.now() + DURATION_MS;
    const depth: string[] = [];

    const writes = runAtRate(
      {
        perSecond: WRITES_PER_SECOND,
        durationMs: DURATION_MS,
        maxInFlight: 64,
        signal: system.stopping.signal,
      },
      async (index) => {
        const customer = random.int(0, CUSTOMERS - 1);
        // One write in ten replaces the whole profile; the rest are section patches.
        if (index % 10 === 0) {
          const line = profileLine(7, customer, 1 + (index % 5));
          const result = await api.http.put(`/v1/customers/${line.customerId}/profile`, line.profile);
          writeLatencies.push(result.ms);
          tally.record(result);
        } else {
          const line = patchLine(random, customer);
          const result = await api.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch);
          writeLatencies.push(result.ms);
          tally.record(result);
        }
      },
    );
    const lookups = runAtRate(
      {
        perSecond: LOOKUPS_PER_SECOND,
        durationMs: DURATION_MS,
        maxInFlight: 16,
        signal: system.stopping.signal,
      },
      async (index) => {
        const ids = Array.from({ length: index % 5 === 0 ? 50 : 1 }, () =>
          customerIdOf(random.int(0, CUSTOMERS - 1)),
        );
        const result =
          ids.length === 1
            ? await api.http.get(`/v1/customers/${ids[0]}/tags`)
            : await api.http.post('/v1/customers/tags:lookup', { customerIds: ids });
        reads.record(result);
      },
    );
    const exporter = (async () => {
      for (let index = 0; Date.now() < end && index < 10_000 && !system.stopping.signal.aborted; index += 1) {
        const result = await api.http.get(AUDIENCES[index % AUDIENCES.length], {
          accept: 'text/csv',
          timeoutMs: 60_000,
        });
        if (reads.record(result)) {
          exports.count += 1;
          exports.bytes += String(result.body).length;
        }
        await new Promise((resolve) => setTimeout(resolve, EXPORT_EVERY_MS));
      }
    })();
    const monitor = (async () => {
      while (Date.now() < end && !system.stopping.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, Math.max(0, end - Date.now()))));
        assertProcessesUp(system);
        const samples = await worker.metrics();
        const waiting = samples
          ? sumOf(
              samples,
              'tagforge_queue_jobs',
              (l) => l.queue === 'evaluation' && (l.state === 'waiting' || l.state === 'active'),
            )
          : NaN;
        depth.push(`${waiting}`);
        say(
          SCENARIO,
          `${tally.accepted} writes, ${reads.accepted} reads, evaluation queue ${waiting}, rss ${JSON.stringify(memorySnapshot(system))}`,
        );
      }
    })();
    const [writeLoad, lookupLoad] = await Promise.all([writes, lookups, exporter, monitor]);
    const memoryAtEnd = memorySnapshot(system);
    const cpuAtEnd = cpuSnapshot(system);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const cpuUsed = Object.fromEntries(
      Object.entries(cpuAtEnd).map(([name, seconds]) => [
        name,
        seconds === null || cpuAtStart[name] === null
          ? null
          : Math.round((seconds - cpuAtStart[name]) * 10) / 10,
      ]),
    );
    writeLatencies.sort((a, b) => a - b);
    const latency = (q: number) =>
      writeLatencies[Math.min(writeLatencies.length - 1, Math.floor(q * writeLatencies.length))] ?? NaN;

    const convergence = await waitForConvergence(system, pick(120_000, 300_000), () =>
      assertProcessesUp(system),
    );
    const endSamples = await worker.metrics();
    if (!endSamples) throw new Error('worker metrics unavailable');
    const freshness = histogramDelta(
      histogramOf([endSamples], 'tagforge_tag_freshness_seconds'),
      freshnessBefore,
    );
    const failuresAfter = await jobFailures(system);
    const jobErrors = failuresAfter.failedAttempts - failuresBefore.failedAttempts;
    const report = await checkFinalState(system);
    const errors =
      seeding.failed +
      tally.failed +
      reads.failed +
      jobErrors +
      writeLoad.thrown.length +
      lookupLoad.thrown.length;
    reportScenario(SCENARIO, seeding.accepted + tally.accepted, report, {
      rates: `${(tally.accepted / loadSeconds).toFixed(0)} writes/s accepted over ${loadSeconds.toFixed(0)} s (target ${WRITES_PER_SECOND}; at most ${writeLoad.behind} behind schedule), ${(reads.accepted / loadSeconds).toFixed(0)} reads/s (target ${LOOKUPS_PER_SECOND} lookups/s + exports), ${exports.count} exports (${(exports.bytes / 1e6).toFixed(1)} MB)`,
      writeLatency: `p50 ${latency(0.5)} ms, p99 ${latency(0.99)} ms`,
      freshness: `p50 ${formatQuantile(freshness, 0.5)}, p99 ${formatQuantile(freshness, 0.99)} over ${freshness.count} evaluations`,
      errors: `${errors} (writes ${tally.failed}, reads ${reads.failed}, failed job attempts ${jobErrors}${[...tally.examples, ...reads.examples].map((example) => `; ${example}`).join('')})`,
      evaluationQueueEvery10s: depth.join(' '),
      rssStartMiB: memoryAtStart,
      rssEndMiB: memoryAtEnd,
      cpuSecondsDuringLoad: cpuUsed,
      convergence: `${convergence.converged ? 'converged' : 'NOT converged'} ${convergence.ms} ms after the load`,
      ...(writeLoad.thrown.length + lookupLoad.thrown.length > 0
        ? { thrown: [...writeLoad.thrown, ...lookupLoad.thrown].slice(0, 3) }
        : {}),
    });

    expect(errors).toBe(0);
    expect(convergence.converged).toBe(true);
    expect(report.mismatches).toBe(0);
  });
});
