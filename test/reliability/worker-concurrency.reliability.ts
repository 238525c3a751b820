import { Queue } from 'bullmq';
import { QueueName } from '@tagforge/queue';
import { Deployment } from './support/deployment';
import { SeededRandom, WriteTally, loadInBatches, patchLine, profileLine, runAtRate } from './support/load';
import { pick } from './support/settings';
import { announce, assertProcessesUp, runView, say, startRecompute, waitFor } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'worker-concurrency';
const CUSTOMERS = pick(2000, 16_000);
const WORKER_COUNTS = pick([1, 2], [1, 2, 4]);
const HOT_CUSTOMERS = 100;

interface Round {
  workers: number;
  seconds: number;
  customersPerSecond: number;
  runSeconds: number;
}

// 2. Several worker processes drain one backfill and one incremental stream together (as on many
// machines against one Redis): no customer ends in a wrong state, no history row is written twice.
// Each round queues a full replacement of every profile and a recompute run while the queues are
// paused, then resumes them and times the drain with 1, 2 (and 4) worker processes; a stream of
// patches to a hundred hot customers runs meanwhile, so one customer's jobs meet on several workers.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;
  const queues: Queue[] = [];

  afterAll(async () => {
    await Promise.allSettled(queues.map((queue) => queue.close()));
    await deployment?.close();
  });

  test(`${WORKER_COUNTS.join(', ')} worker processes drain the same streams into the right state`, async () => {
    announce(SCENARIO, `${CUSTOMERS} customers, rounds with ${WORKER_COUNTS.join(', ')} worker processes`);
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const api = await system.startApi();
    const tally = new WriteTally();
    const connection = { host: '127.0.0.1', port: system.redis.port };
    for (const name of [QueueName.Evaluation, QueueName.Runs]) {
      queues.push(new Queue(name, { connection, prefix: '{tagforge}' }));
    }
    const random = new SeededRandom(22);
    const rounds: Round[] = [];

    for (const [round, workerCount] of WORKER_COUNTS.entries()) {
      while (system.runningWorkers().length < workerCount) {
        const missing = workerCount - system.runningWorkers().length;
        await Promise.all(Array.from({ length: missing }, () => system.startWorker()));
      }
      // Whatever the previous round left (its start-up activation run, first of all) is done.
      expect((await waitForConvergence(system, 120_000)).converged).toBe(true);

      await Promise.all(queues.map((queue) => queue.pause()));
      const generation = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(2, index, round));
      await loadInBatches(api.http, generation, {
        batchSize: 1000,
        concurrency: 2,
        tally,
        signal: system.stopping.signal,
      });
      const runId = await startRecompute(api.http);
      const started = Date.now();
      await Promise.all(queues.map((queue) => queue.resume()));
      const hot = runAtRate(
        { perSecond: 40, durationMs: 5000, maxInFlight: 8, signal: system.stopping.signal },
        async () => {
          const line = patchLine(random, random.int(0, HOT_CUSTOMERS - 1));
          tally.record(await api.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch));
        },
      );
      const run = await waitFor(
        `round ${round}: the run to finish`,
        pick(240_000, 900_000),
        async () => {
          assertProcessesUp(system);
          const view = await runView(api.http, runId);
          return view && view.status !== 'queued' && view.status !== 'running' ? view : undefined;
        },
        500,
      );
      const runSeconds = (Date.now() - started) / 1000;
      await hot;
      const drained = await waitForConvergence(system, pick(240_000, 900_000), () =>
        assertProcessesUp(system),
      );
      const seconds = (Date.now() - started) / 1000;
      expect(run.status).toBe('succeeded');
      expect(drained.converged).toBe(true);
      rounds.push({
        workers: workerCount,
        seconds: Math.round(seconds * 10) / 10,
        customersPerSecond: Math.round(CUSTOMERS / seconds),
        runSeconds: Math.round(runSeconds * 10) / 10,
      });
      say(
        SCENARIO,
        `round ${round}: ${workerCount} worker process(es) drained ${CUSTOMERS} customers in ${seconds.toFixed(1)} s`,
      );
    }

    const report = await checkFinalState(system);
    reportScenario(SCENARIO, tally.accepted, report, {
      throughput: rounds
        .map(
          (r) =>
            `${r.workers} worker(s): ${r.customersPerSecond} customers/s (drain ${r.seconds} s, run ${r.runSeconds} s)`,
        )
        .join('; '),
      writes: tally.describe(),
      historyRows: report.historyRows,
    });
    expect(report.mismatches).toBe(0);
    // 503 only, from a write waiting on a running chunk (see worker-crash).
    expect([...tally.failures.keys()].filter((kind) => kind !== '503')).toEqual([]);
  });
});
