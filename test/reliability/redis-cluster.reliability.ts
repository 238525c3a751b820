import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { WebhookReceiver } from '../bench/destinations-receiver';
import { QueueName, queuePrefix } from '@tagforge/queue';
import { Deployment, type ApiProcess, type ServiceEnv, type WorkerProcess } from './support/deployment';
import { SeededRandom, WriteTally, loadInBatches, patchLine, profileLine, runAtRate } from './support/load';
import { sumOf } from './support/prometheus-text';
import { RedisCluster } from './support/redis-cluster';
import { pick } from './support/settings';
import {
  announce,
  assertProcessesUp,
  jobFailures,
  runView,
  say,
  startRecompute,
  waitFor,
} from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'redis-cluster';
const CUSTOMERS = pick(4000, 16_000);
const PATCHES_PER_SECOND = 50;
const PREFIX = '{tagforge}';
// A destination follows these through the cluster's delivery queue (its own hash tag): the drain's
// full replacements and the patches move them (digital.*, marketing.*, bureau.*).
const FOLLOWED = ['high_intent', 'opted_out', 'low_risk'];
const ALLOWED = { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' };

interface DeliveredChange {
  idempotencyKey: string;
  customerId: string;
  audience: string;
  change: 'entered' | 'exited';
}

interface Drain {
  topology: string;
  seconds: number;
  evaluationsPerSecond: number;
}

// 8. The queues on a real Redis Cluster (three primaries, three replicas, on loopback), selected by
// REDIS_CLUSTER_NODES: every queue on its own hash tag, the three on three different primaries.
// First the same drain is timed against one Redis and against the cluster (an API and two workers,
// a full replacement of every profile queued while the evaluation queue is paused, then drained).
// Then, on the cluster, a recompute run and a stream of patches while the primary holding the runs
// queue is killed (SIGKILL, as DEBUG SEGFAULT): its replica is promoted, the run must finish, every
// customer must end equal to `tagctl evaluate`, and whatever jobs the fail-over lost must be what
// the reconciler recovers. A webhook destination follows three tags on the cluster throughout: every
// change reaches its receiver, in order per customer.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;
  let cluster: RedisCluster | undefined;
  const queues: Queue[] = [];
  // The scenario's own connections (BullMQ does not close a connection it was given).
  const connections: (Redis | Cluster)[] = [];

  let receiver: WebhookReceiver | undefined;

  afterAll(async () => {
    await receiver?.close().catch(() => undefined);
    await Promise.allSettled(queues.map((queue) => queue.close()));
    for (const connection of connections) connection.disconnect();
    await deployment?.close();
    await cluster?.stop();
  });

  test('the queues run on a Redis Cluster, spread over its primaries, through a primary fail-over', async () => {
    announce(SCENARIO, `${CUSTOMERS} customers, 3 primaries + 3 replicas, the runs primary killed mid-run`);
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    cluster = await RedisCluster.start(SCENARIO);
    const redisCluster = cluster;
    const clusterEnv: ServiceEnv = {
      REDIS_CLUSTER_NODES: redisCluster.seeds,
      QUEUE_PREFIX: PREFIX,
      ...ALLOWED,
    };
    const clusterConfig = {
      REDIS_URL: system.redis.url,
      REDIS_CLUSTER_NODES: redisCluster.seeds,
      QUEUE_PREFIX: PREFIX,
    };
    const singleConfig = { ...clusterConfig, REDIS_CLUSTER_NODES: undefined };

    // Where each queue lives. redis-cli gives the first primary slots 0-5460, where both
    // {tagforge-evaluation} (2415) and {tagforge-runs} (4584) hash: the runs slot is moved to the
    // primary that serves neither, as an operator would (docs/scaling.md).
    const slotOf = async (queue: QueueName) => redisCluster.keySlot(queuePrefix(clusterConfig, queue));
    const slots = {
      evaluation: await slotOf(QueueName.Evaluation),
      runs: await slotOf(QueueName.Runs),
      maintenance: await slotOf(QueueName.Maintenance),
      delivery: await slotOf(QueueName.Delivery),
    };
    const taken = new Set([
      (await redisCluster.primaryOfSlot(slots.evaluation)).id,
      (await redisCluster.primaryOfSlot(slots.maintenance)).id,
    ]);
    if (taken.has((await redisCluster.primaryOfSlot(slots.runs)).id)) {
      const free = (await redisCluster.topology()).find(
        (node) => node.primary && node.slots.length > 0 && !taken.has(node.id),
      )!;
      await redisCluster.moveEmptySlot(slots.runs, free);
    }
    const placement = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(slots).map(async ([queue, slot]) => [
            queue,
            `slot ${slot} on :${(await redisCluster.primaryOfSlot(slot)).port}`,
          ]),
        ),
      ) as Record<string, string>;
    const before = await placement();
    say(SCENARIO, `queues: ${JSON.stringify(before)}`);
    // Evaluation, runs and maintenance on three primaries (delivery shares one of them).
    expect(
      new Set([before.evaluation, before.runs, before.maintenance].map((where) => where.split(' on ')[1]))
        .size,
    ).toBe(3);

    const tally = new WriteTally();
    const drains: Drain[] = [];
    // Times one drain of a full replacement of every profile through this API and these workers.
    const timeDrain = async (topology: string, api: ApiProcess, evaluation: Queue, generation: number) => {
      expect((await waitForConvergence(system, 300_000)).converged).toBe(true);
      await evaluation.pause();
      const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(9, index, generation));
      await loadInBatches(api.http, profiles, {
        batchSize: 1000,
        concurrency: 2,
        tally,
        signal: system.stopping.signal,
      });
      const started = Date.now();
      await evaluation.resume();
      const drained = await waitForConvergence(system, pick(300_000, 900_000), () =>
        assertProcessesUp(system),
      );
      expect(drained.converged).toBe(true);
      const seconds = (Date.now() - started) / 1000;
      drains.push({
        topology,
        seconds: Math.round(seconds * 10) / 10,
        evaluationsPerSecond: Math.round(CUSTOMERS / seconds),
      });
      say(SCENARIO, `${topology}: ${CUSTOMERS} evaluations drained in ${seconds.toFixed(1)} s`);
    };
    const startSystem = async (env: ServiceEnv): Promise<{ api: ApiProcess; workers: WorkerProcess[] }> => {
      const api = await system.startApi(env);
      // One after the other: two workers creating the history partitions at once collide (see
      // docs/reliability.md); the second finds them made.
      const workers = [await system.startWorker(env), await system.startWorker(env)];
      return { api, workers };
    };

    // One Redis (REDIS_URL, the shared {tagforge} prefix).
    const single = await startSystem({ QUEUE_PREFIX: PREFIX });
    const singleConnection = new Redis(system.redis.url, { maxRetriesPerRequest: null });
    connections.push(singleConnection);
    const singleQueue = new Queue(QueueName.Evaluation, {
      connection: singleConnection,
      prefix: queuePrefix(singleConfig, QueueName.Evaluation),
    });
    queues.push(singleQueue);
    await timeDrain('one Redis', single.api, singleQueue, 1);
    await Promise.all([single.api.process.stop(), ...single.workers.map((worker) => worker.process.stop())]);

    // The cluster (REDIS_CLUSTER_NODES given too: it takes precedence over REDIS_URL).
    const clustered = await startSystem(clusterEnv);
    // A webhook destination on the cluster: every change of the followed tags from here on must
    // reach the receiver, in order per customer, through the drain, the run and the fail-over.
    receiver = await WebhookReceiver.start();
    const created = await clustered.api.http.post('/v1/destinations', {
      name: 'cluster',
      url: receiver.url,
      audiences: FOLLOWED,
      batch: { maxEvents: 500 },
    });
    expect(created.status).toBe(201);
    const destination = created.body as { id: string; secret: string };
    receiver.secrets = [destination.secret];
    const { rows: startRows } = await system.db.query<{ txid: string; seq: string }>(
      `SELECT txid::text AS txid, seq::text AS seq FROM destination_cursor WHERE destination_id = $1`,
      [destination.id],
    );
    const start = startRows[0];
    const clusterConnection = new Cluster(
      [{ host: '127.0.0.1', port: Number(redisCluster.seeds.split(',')[0].split(':')[1]) }],
      {
        redisOptions: { maxRetriesPerRequest: null },
      },
    );
    clusterConnection.on('error', () => undefined);
    connections.push(clusterConnection);
    const clusterQueue = new Queue(QueueName.Evaluation, {
      connection: clusterConnection,
      prefix: queuePrefix(clusterConfig, QueueName.Evaluation),
    });
    clusterQueue.on('error', () => undefined);
    queues.push(clusterQueue);
    await timeDrain('Redis Cluster', clustered.api, clusterQueue, 2);
    // Each queue's keys are in its own slot, on its own primary.
    const keysPerQueue = Object.fromEntries(
      await Promise.all(
        Object.entries(slots).map(async ([queue, slot]) => [
          queue,
          await redisCluster.command((await redisCluster.primaryOfSlot(slot)).port, (client) =>
            client.cluster('COUNTKEYSINSLOT', slot),
          ),
        ]),
      ),
    ) as Record<string, number>;
    say(SCENARIO, `keys per queue slot: ${JSON.stringify(keysPerQueue)}`);
    expect(keysPerQueue.evaluation).toBeGreaterThan(0);
    expect(keysPerQueue.maintenance).toBeGreaterThan(0);

    // The fault: a recompute run and a patch stream, and the runs queue's primary killed mid-run.
    const api = clustered.api;
    const random = new SeededRandom(91);
    const failedBefore = await jobFailures(system);
    const reenqueued = async () => {
      let total = 0;
      for (const worker of system.runningWorkers()) {
        const samples = await worker.metrics();
        if (samples) total += sumOf(samples, 'tagforge_reconciler_reenqueued_total');
      }
      return total;
    };
    const reenqueuedBefore = await reenqueued();
    const runId = await startRecompute(api.http);
    const stream = runAtRate(
      {
        perSecond: PATCHES_PER_SECOND,
        durationMs: pick(20_000, 60_000),
        maxInFlight: 8,
        signal: system.stopping.signal,
      },
      async () => {
        const line = patchLine(random, random.int(0, CUSTOMERS - 1));
        tally.record(await api.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch));
      },
    );
    // Mid-run: at least one chunk recorded, the run not finished.
    const midRun = await waitFor(
      'the run to be under way',
      120_000,
      async () => {
        const view = await runView(api.http, runId);
        if (view && view.status !== 'queued' && view.status !== 'running') return 'finished before the fault';
        return view && view.progress.done > 0 ? `${view.progress.done}/${view.progress.total}` : undefined;
      },
      50,
    );
    const victim = await redisCluster.primaryOfSlot(slots.runs);
    const killedAt = Date.now();
    await redisCluster.killNode(victim.port);
    say(SCENARIO, `killed the runs primary :${victim.port} at run progress ${midRun}`);
    await redisCluster.waitUntilHealthy(60_000);
    const failoverSeconds = (Date.now() - killedAt) / 1000;
    const after = await placement();
    say(
      SCENARIO,
      `cluster healthy again after ${failoverSeconds.toFixed(1)} s; queues: ${JSON.stringify(after)}`,
    );

    // The reconciler relaunches a run without progress after five minutes: allow for it.
    const run = await waitFor(
      'the run to finish',
      pick(480_000, 900_000),
      async () => {
        assertProcessesUp(system);
        const view = await runView(api.http, runId);
        return view && view.status !== 'queued' && view.status !== 'running' ? view : undefined;
      },
      500,
    );
    const runSeconds = (Date.now() - killedAt) / 1000;
    await stream;
    const converged = await waitForConvergence(system, pick(300_000, 600_000), () =>
      assertProcessesUp(system),
    );
    // Deliveries: every membership change of the followed tags after the destination's start.
    const { rows: history } = await system.db.query<{ seq: string }>(
      `SELECT seq::text AS seq FROM tag_event
        WHERE tag_id = ANY($1::varchar[]) AND (txid, seq) > ($2::bigint, $3::bigint)
          AND (old_value IS NOT NULL) <> (new_value IS NOT NULL)`,
      [FOLLOWED, start.txid, start.seq],
    );
    const expected = history.map((row) => `evt_${row.seq}`);
    const delivered = () =>
      new Set((receiver!.events() as unknown as DeliveredChange[]).map((event) => event.idempotencyKey));
    const deliveredAll = await waitFor(
      'every followed change delivered',
      120_000,
      async () => (expected.every((key) => delivered().has(key)) ? true : undefined),
      200,
    ).catch(() => false);
    const missing = expected.filter((key) => !delivered().has(key));
    // Per customer and tag, the first receipt of each change: seq increases and entered/exited alternate.
    const seen = new Set<string>();
    const lastSeq = new Map<string, bigint>();
    let outOfOrder = 0;
    for (const event of receiver.events() as unknown as DeliveredChange[]) {
      if (seen.has(event.idempotencyKey)) continue;
      seen.add(event.idempotencyKey);
      const key = `${event.customerId}/${event.audience}`;
      const seq = BigInt(event.idempotencyKey.slice(4));
      if ((lastSeq.get(key) ?? -1n) >= seq) outOfOrder += 1;
      lastSeq.set(key, seq);
    }
    const failures = await jobFailures(system);
    const report = await checkFinalState(system);
    reportScenario(SCENARIO, tally.accepted, report, {
      placement: before,
      placementAfterFailover: after,
      keysPerQueue,
      throughput: drains
        .map(
          (drain) =>
            `${drain.topology}: ${drain.evaluationsPerSecond} evaluations/s (drain ${drain.seconds} s)`,
        )
        .join('; '),
      failover: `primary :${victim.port} killed at run progress ${midRun}; cluster healthy after ${failoverSeconds.toFixed(1)} s; run ${run.status} ${runSeconds.toFixed(1)} s after the kill`,
      convergence: `${converged.converged ? 'converged' : `NOT converged (${converged.pending} pending)`} in ${converged.ms} ms`,
      reconcilerReenqueued: (await reenqueued()) - reenqueuedBefore,
      jobAttemptsFailed: failures.failedAttempts - failedBefore.failedAttempts,
      writes: tally.describe(),
      delivery: `${expected.length} followed changes, ${seen.size} received, ${missing.length} missing, ${outOfOrder} out of order, ${receiver.received.length} requests`,
    });
    expect(run.status).toBe('succeeded');
    expect(converged.converged).toBe(true);
    expect(report.mismatches).toBe(0);
    expect(expected.length).toBeGreaterThan(0);
    expect(deliveredAll).toBe(true);
    expect(missing).toEqual([]);
    expect(outOfOrder).toBe(0);
    // Writes are accepted throughout (a profile write commits even when its enqueue fails); 503 only
    // from a write waiting on a running chunk.
    expect([...tally.failures.keys()].filter((kind) => kind !== '503')).toEqual([]);
  });
});
