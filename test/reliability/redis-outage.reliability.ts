import { Queue } from 'bullmq';
import { QueueName } from '@tagforge/queue';
import { sleep } from './support/child-process';
import { Deployment, type WorkerProcess } from './support/deployment';
import { HttpClient } from './support/http-client';
import { SeededRandom, WriteTally, loadInBatches, patchLine, profileLine, runAtRate } from './support/load';
import { sumOf } from './support/prometheus-text';
import { pick } from './support/settings';
import { announce, assertProcessesUp, say } from './support/scenario-kit';
import {
  checkFinalState,
  reportScenario,
  waitForConvergence,
  type Convergence,
} from './support/verification';

const SCENARIO = 'redis-outage';
const CUSTOMERS = pick(1000, 5000);
const PATCHES_PER_SECOND = 100;
const CONVERGENCE_MS = pick(30_000, 60_000);
const STRANDED = pick(400, 2000);

async function reconcileRuns(worker: WorkerProcess): Promise<number> {
  const samples = await worker.metrics();
  return samples ? sumOf(samples, 'tagforge_jobs_total', (labels) => labels.name === 'reconcile') : NaN;
}

// 3. Redis flushed (every job, deduplication key and job scheduler gone) and Redis restarted (down
// for a while, then back empty: it runs without persistence) during a steady stream of writes. The
// API keeps accepting writes while Redis is down and says so in /health/ready; afterwards the
// reconciler must bring every customer whose job was lost to the right state.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;

  afterAll(async () => {
    await deployment?.close();
  });

  test('writes are accepted through the outage and every customer converges after it', async () => {
    announce(SCENARIO, `${CUSTOMERS} customers, ${PATCHES_PER_SECOND} patches/s, FLUSHALL then a restart`);
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const api = await system.startApi();
    let worker = await system.startWorker();
    const tally = new WriteTally();
    const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(3, index));
    await loadInBatches(api.http, profiles, {
      batchSize: 1000,
      concurrency: 2,
      tally,
      signal: system.stopping.signal,
    });
    expect((await waitForConvergence(system, pick(180_000, 600_000))).converged).toBe(true);
    const random = new SeededRandom(33);
    // The stream writes customers other than the stranded ones, which only the reconciler can repair.
    const patch = async () => {
      const line = patchLine(random, random.int(STRANDED, CUSTOMERS - 1));
      tally.record(await api.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch));
    };
    const findings: Record<string, unknown> = {};

    // Whatever was queued when Redis lost its data, and is not written again, is the reconciler's.
    // If it does not converge, a worker restart (which re-creates the job schedulers) is tried to
    // tell a dead reconciler from a slow one; the scenario fails either way.
    const settle = async (phase: string): Promise<Convergence> => {
      const reconcileBefore = await reconcileRuns(worker);
      const convergence = await waitForConvergence(system, CONVERGENCE_MS, () => assertProcessesUp(system));
      const reconcileAfter = await reconcileRuns(worker);
      findings[`${phase}: convergence`] =
        `${convergence.converged ? 'converged' : `NOT converged, ${convergence.pending} customers pending (e.g. ${convergence.pendingExamples.join(', ')})`} after ${convergence.ms} ms; reconcile jobs run meanwhile: ${reconcileAfter - reconcileBefore}`;
      say(SCENARIO, `${phase}: ${String(findings[`${phase}: convergence`])}`);
      if (!convergence.converged) {
        await worker.process.stop();
        worker = await system.startWorker();
        const retried = await waitForConvergence(system, CONVERGENCE_MS, () => assertProcessesUp(system));
        findings[`${phase}: after a worker restart`] = retried.converged
          ? `converged in ${retried.ms} ms`
          : `still ${retried.pending} pending`;
        say(
          SCENARIO,
          `${phase}: after a worker restart: ${String(findings[`${phase}: after a worker restart`])}`,
        );
      }
      return convergence;
    };

    // Phase 1: FLUSHALL in the middle of the stream, with a backlog: STRANDED customers are written
    // while their queue is paused, so their jobs are certainly still waiting when Redis loses them;
    // the stream goes on for the other customers only.
    const queue = new Queue(QueueName.Evaluation, {
      connection: { host: '127.0.0.1', port: system.redis.port },
      prefix: '{tagforge}',
    });
    await queue.pause();
    const stranded = Array.from({ length: STRANDED }, (_, index) => patchLine(random, index));
    await loadInBatches(api.http, stranded, {
      batchSize: 1000,
      concurrency: 1,
      tally,
      signal: system.stopping.signal,
    });
    await queue.close();
    const flushLoad = runAtRate(
      {
        perSecond: PATCHES_PER_SECOND,
        durationMs: pick(15_000, 60_000),
        maxInFlight: 16,
        signal: system.stopping.signal,
      },
      patch,
    );
    await sleep(3000);
    await system.redis.flushAll();
    say(SCENARIO, `FLUSHALL with the jobs of ${STRANDED} written customers waiting`);
    await flushLoad;
    const afterFlush = await settle('flush');

    // Phase 2: Redis killed, down for a while, restarted empty on the same port.
    const outage = { accepted: 0, failed: 0, ready: new Map<string, number>(), readyBody: null as unknown };
    const probe = new HttpClient(api.url, null, 1);
    const restartLoad = runAtRate(
      {
        perSecond: PATCHES_PER_SECOND,
        durationMs: pick(20_000, 60_000),
        maxInFlight: 16,
        signal: system.stopping.signal,
      },
      async () => {
        const line = patchLine(random, random.int(STRANDED, CUSTOMERS - 1));
        const down = !system.redis.running;
        const result = await api.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch);
        tally.record(result);
        if (down && result.status === 200) outage.accepted += 1;
        else if (down) outage.failed += 1;
      },
    );
    await sleep(5000);
    await system.redis.kill();
    say(SCENARIO, 'Redis killed');
    const downUntil = Date.now() + pick(8000, 20_000);
    while (Date.now() < downUntil) {
      const ready = await probe.get('/health/ready', { timeoutMs: 5000 });
      const key = ready.status === 0 ? String(ready.failure) : String(ready.status);
      outage.ready.set(key, (outage.ready.get(key) ?? 0) + 1);
      if (ready.status === 503) outage.readyBody = ready.body;
      await sleep(500);
    }
    await system.redis.launch();
    say(SCENARIO, 'Redis restarted (empty)');
    await restartLoad;
    probe.close();
    findings['while Redis was down'] =
      `${outage.accepted} writes accepted, ${outage.failed} failed; /health/ready ${[...outage.ready].map(([status, count]) => `${status} x${count}`).join(', ')}; body ${JSON.stringify(outage.readyBody)}`;
    const afterRestart = await settle('restart');

    const report = await checkFinalState(system);
    reportScenario(SCENARIO, tally.accepted, report, { ...findings, writes: tally.describe() });

    expect(tally.failed).toBe(0);
    expect(outage.accepted).toBeGreaterThan(0);
    expect(outage.ready.get('503') ?? 0).toBeGreaterThan(0);
    expect(outage.readyBody).toMatchObject({ error: { redis: { status: 'down' } } });
    expect(afterFlush.converged).toBe(true);
    expect(afterRestart.converged).toBe(true);
    expect(report.mismatches).toBe(0);
  });
});
