import { sleep } from './support/child-process';
import { Deployment, type WorkerProcess } from './support/deployment';
import {
  SeededRandom,
  WriteTally,
  loadInBatches,
  patchLine,
  profileLine,
  type PatchLine,
} from './support/load';
import { freePort } from './support/child-process';
import { sumOf } from './support/prometheus-text';
import { pick } from './support/settings';
import { announce, assertProcessesUp, say } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'api-crash';
const CUSTOMERS = pick(1000, 5000);
const LOST_ENQUEUE_WRITES = pick(300, 1000);

async function reenqueued(worker: WorkerProcess): Promise<number> {
  const samples = await worker.metrics();
  return samples
    ? sumOf(samples, 'tagforge_reconciler_reenqueued_total', (labels) => labels.kind === 'customer')
    : NaN;
}

// 5. A write that commits and whose enqueue never happens. (a) The API is SIGKILLed in the middle of
// a burst of batch writes: whatever it committed without enqueueing is left to the reconciler.
// (b) Deterministically: an API process whose Redis is unreachable (Redis down for the API only)
// takes writes; they commit, their enqueue fails, and only the reconciler can evaluate them.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;

  afterAll(async () => {
    await deployment?.close();
  });

  test('writes committed without an enqueue are evaluated by the reconciler', async () => {
    announce(
      SCENARIO,
      `${CUSTOMERS} customers, SIGKILL of the API mid-burst, then ${LOST_ENQUEUE_WRITES} lost enqueues`,
    );
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const first = await system.startApi();
    const worker = await system.startWorker();
    const tally = new WriteTally();
    const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(5, index));
    await loadInBatches(first.http, profiles, {
      batchSize: 1000,
      concurrency: 2,
      tally,
      signal: system.stopping.signal,
    });
    expect((await waitForConvergence(system, pick(180_000, 600_000))).converged).toBe(true);
    const random = new SeededRandom(55);

    // (a) Batches of patches from four writers until the API dies under them.
    const reenqueuedBeforeKill = await reenqueued(worker);
    let inFlight = 0;
    let killed = false;
    const cutShort = { inFlight: 0, lines: 0 };
    const burst = Array.from({ length: 4 }, async () => {
      for (let round = 0; round < 200 && !killed; round += 1) {
        const lines: PatchLine[] = Array.from({ length: 200 }, () =>
          patchLine(random, random.int(0, CUSTOMERS - 1)),
        );
        inFlight += 1;
        const result = await first.http.batch(lines, 60_000);
        inFlight -= 1;
        if (result.status === 200) tally.record(result, (result.body as { ok: number }).ok);
        else cutShort.lines += lines.length;
      }
    });
    await sleep(pick(4000, 8000));
    killed = true;
    cutShort.inFlight = inFlight;
    await first.process.kill('SIGKILL');
    say(SCENARIO, `SIGKILL API with ${cutShort.inFlight} batch requests in flight`);
    await Promise.all(burst);
    await system.startApi();
    const afterKill = await waitForConvergence(system, pick(60_000, 180_000), () =>
      assertProcessesUp(system),
    );
    const reenqueuedAfterKill = await reenqueued(worker);
    say(
      SCENARIO,
      `after the kill: ${afterKill.converged ? 'converged' : 'NOT converged'} in ${afterKill.ms} ms`,
    );

    // (b) An API whose Redis is a port nothing listens on.
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const cutOff = await system.startApi({ REDIS_URL: deadRedis }, 'live');
    const ready = await cutOff.http.get('/health/ready');
    const lostIds = new Set<string>();
    let lostAccepted = 0;
    let lostFailed = 0;
    for (let index = 0; index < LOST_ENQUEUE_WRITES; index += 1) {
      const line = patchLine(random, random.int(0, CUSTOMERS - 1));
      const result = await cutOff.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch);
      if (tally.record(result)) {
        lostAccepted += 1;
        lostIds.add(line.customerId);
      } else lostFailed += 1;
    }
    const pendingRightAfter = await system.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM customer_profile WHERE version > evaluated_version`,
    );
    const afterLost = await waitForConvergence(system, pick(60_000, 180_000), () =>
      assertProcessesUp(system),
    );
    // The reconciler counts its re-enqueues after adding the jobs, so the worker may have evaluated
    // them (and convergence been seen) a moment before the counter moves: read it until it settles.
    let reenqueuedAfterLost = await reenqueued(worker);
    // Customers written through the cut-off API and not evaluated by then: only the reconciler can
    // enqueue them (a write's customer may already have been evaluated by a job still retrying).
    const strandedRightAfter = Number(pendingRightAfter.rows[0].n);
    for (
      let tries = 0;
      tries < 20 && reenqueuedAfterLost - reenqueuedAfterKill < strandedRightAfter;
      tries += 1
    ) {
      await sleep(500);
      reenqueuedAfterLost = await reenqueued(worker);
    }

    const report = await checkFinalState(system);
    reportScenario(SCENARIO, tally.accepted, report, {
      apiKill: `${cutShort.inFlight} batches (${cutShort.lines} lines) in flight at the kill, outcome unknown to the client; ${afterKill.converged ? 'converged' : 'NOT converged'} ${afterKill.ms} ms later; reconciler re-enqueued ${reenqueuedAfterKill - reenqueuedBeforeKill} customer(s)`,
      lostEnqueues: `${lostAccepted} writes accepted (${lostFailed} failed) by an API without Redis (ready: ${ready.status}) for ${lostIds.size} customers; ${pendingRightAfter.rows[0].n} pending right after; ${afterLost.converged ? 'converged' : 'NOT converged'} ${afterLost.ms} ms later; reconciler re-enqueued ${reenqueuedAfterLost - reenqueuedAfterKill}`,
      writes: tally.describe(),
    });

    expect(ready.status).toBe(503);
    expect(lostFailed).toBe(0);
    expect(Number(pendingRightAfter.rows[0].n)).toBeGreaterThan(0);
    expect(afterKill.converged).toBe(true);
    expect(afterLost.converged).toBe(true);
    expect(reenqueuedAfterLost - reenqueuedAfterKill).toBeGreaterThanOrEqual(strandedRightAfter);
    expect(report.mismatches).toBe(0);
  });
});
