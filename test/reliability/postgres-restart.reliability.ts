import { sleep } from './support/child-process';
import { Deployment } from './support/deployment';
import { HttpClient, describeResult, type HttpResult } from './support/http-client';
import { SeededRandom, WriteTally, loadInBatches, patchLine, profileLine, runAtRate } from './support/load';
import { PostgresCluster } from './support/postgres-cluster';
import { sumOf } from './support/prometheus-text';
import { pick } from './support/settings';
import { announce, assertProcessesUp, jobFailures, say } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'postgres-restart';
const CUSTOMERS = pick(800, 5000);
// An answer slower than this while Postgres is down counts as a hang.
const HANG_MS = 10_000;

type Phase = 'before' | 'down' | 'after';

// 4. Postgres (a cluster of the scenario's own) stopped during load and started again: while it is
// down the API answers 503 with Retry-After (not 500, not a hang) and /health/ready names postgres;
// jobs fail and retry with backoff; afterwards everything converges.
describe(SCENARIO, () => {
  let cluster: PostgresCluster | undefined;
  let deployment: Deployment | undefined;

  afterAll(async () => {
    await deployment?.close();
    await cluster?.destroy();
  });

  test('503 while Postgres is down, convergence after it is back', async () => {
    announce(SCENARIO, `${CUSTOMERS} customers, patches and lookups, Postgres stopped and started`);
    cluster = await PostgresCluster.create();
    deployment = await Deployment.create(SCENARIO, { cluster });
    const system = deployment;
    const api = await system.startApi();
    const worker = await system.startWorker();
    const tally = new WriteTally();
    const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(4, index));
    await loadInBatches(api.http, profiles, {
      batchSize: 1000,
      concurrency: 2,
      tally,
      signal: system.stopping.signal,
    });
    expect((await waitForConvergence(system, pick(180_000, 600_000))).converged).toBe(true);

    const outage = { stoppedAt: Infinity, startedAt: Infinity };
    const phaseOf = (at: number): Phase =>
      at < outage.stoppedAt ? 'before' : at < outage.startedAt + 2000 ? 'down' : 'after';
    const answers = new Map<string, number>();
    // up to three examples of each kind of unexpected answer
    const unexpected: string[] = [];
    const unexpectedKinds = new Map<string, number>();
    // By the time the answer came: a request sent just before the stop may rightly get a 503.
    const tallyAnswer = (kind: string, sentAt: number, result: HttpResult) => {
      const phase = phaseOf(sentAt + result.ms);
      const status = result.status === 0 ? String(result.failure) : String(result.status);
      const key = `${phase} ${kind} ${status}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
      const ok =
        result.status === 200 ||
        (phase !== 'before' && result.status === 503 && result.headers['retry-after']);
      const seen = unexpectedKinds.get(key) ?? 0;
      if (!ok || result.ms > HANG_MS) unexpectedKinds.set(key, seen + 1);
      if ((!ok || result.ms > HANG_MS) && seen < 3) {
        unexpected.push(`${phase} ${kind} after ${result.ms} ms: ${describeResult(result)}`);
      }
    };
    const random = new SeededRandom(44);
    const traffic = runAtRate(
      { perSecond: 60, durationMs: pick(35_000, 90_000), maxInFlight: 24, signal: system.stopping.signal },
      async (index) => {
        const sentAt = Date.now();
        const customerId = random.int(0, CUSTOMERS - 1);
        if (index % 3 === 2) {
          const line = patchLine(random, customerId);
          const result = await api.http.get(`/v1/customers/${line.customerId}/tags`, {
            timeoutMs: HANG_MS * 3,
          });
          tallyAnswer('lookup', sentAt, result);
        } else {
          const line = patchLine(random, customerId);
          const result = await api.http.patch(
            `/v1/customers/${line.customerId}/profile`,
            line.patch,
            HANG_MS * 3,
          );
          if (result.status === 200) tally.record(result);
          tallyAnswer('write', sentAt, result);
        }
      },
    );

    // Batch writes too: their transactions run several statements, so some are open when Postgres stops.
    const batchWriters = Array.from({ length: 2 }, async () => {
      const end = Date.now() + pick(35_000, 90_000);
      while (Date.now() < end && !system.stopping.signal.aborted) {
        const lines = Array.from({ length: 100 }, () => patchLine(random, random.int(0, CUSTOMERS - 1)));
        const sentAt = Date.now();
        const result = await api.http.batch(lines, HANG_MS * 3);
        if (result.status === 200) tally.record(result, (result.body as { ok: number }).ok);
        tallyAnswer('batch', sentAt, result);
        if (result.status !== 200) await sleep(200);
      }
    });

    await sleep(5000);
    const failuresBefore = await jobFailures(system);
    outage.stoppedAt = Date.now();
    await cluster.stop('fast');
    say(SCENARIO, 'Postgres stopped');
    const probe = new HttpClient(api.url, null, 1);
    const ready = new Map<string, number>();
    let readyBody: unknown = null;
    const downUntil = Date.now() + pick(10_000, 30_000);
    while (Date.now() < downUntil) {
      const result = await probe.get('/health/ready', { timeoutMs: 5000 });
      const key = result.status === 0 ? String(result.failure) : String(result.status);
      ready.set(key, (ready.get(key) ?? 0) + 1);
      if (result.status === 503) readyBody = result.body;
      await sleep(500);
    }
    await cluster.start();
    outage.startedAt = Date.now();
    say(
      SCENARIO,
      `Postgres started again after ${((outage.startedAt - outage.stoppedAt) / 1000).toFixed(1)} s`,
    );
    probe.close();
    const load = await traffic;
    await Promise.all(batchWriters);

    const convergence = await waitForConvergence(system, pick(120_000, 300_000), () =>
      assertProcessesUp(system),
    );
    const failuresAfter = await jobFailures(system);
    const samples = await worker.metrics();
    const report = await checkFinalState(system);
    reportScenario(SCENARIO, tally.accepted, report, {
      answers: [...answers]
        .sort()
        .map(([key, count]) => `${key} x${count}`)
        .join(', '),
      unexpectedAnswers: unexpected,
      readyWhileDown: `${[...ready].map(([status, count]) => `${status} x${count}`).join(', ')}; body ${JSON.stringify(readyBody)}`,
      jobs: `${failuresAfter.failedAttempts - failuresBefore.failedAttempts} failed attempts retried, ${failuresAfter.failedNow} exhausted their attempts; evaluate-customer completed ${samples ? sumOf(samples, 'tagforge_jobs_total', (l) => l.name === 'evaluate-customer' && l.outcome === 'completed') : '?'}`,
      convergence: `${convergence.converged ? 'converged' : 'NOT converged'} ${convergence.ms} ms after the load`,
      load: `${load.started} requests, at most ${load.behind} behind schedule`,
    });

    expect(unexpected).toEqual([]);
    expect(ready.get('503') ?? 0).toBeGreaterThan(0);
    expect(readyBody).toMatchObject({ error: { postgres: { status: 'down' } } });
    expect(failuresAfter.failedAttempts - failuresBefore.failedAttempts).toBeGreaterThan(0);
    expect(failuresAfter.failedNow).toBe(0);
    expect(convergence.converged).toBe(true);
    expect(report.mismatches).toBe(0);
  });
});
