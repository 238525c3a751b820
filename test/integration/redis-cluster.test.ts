import { Cluster } from 'ioredis';
import { Client } from 'pg';
import { QueueName, queuePrefix } from '@tagforge/queue';
import { RedisCluster } from '../reliability/support/redis-cluster';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// The queues on a real Redis Cluster (three primaries on loopback), as REDIS_CLUSTER_NODES selects
// it: a profile write is evaluated, a run's flow (plan, chunks, finish) completes, and each queue's
// keys live in its own hash slot. The fail-over under load: test/reliability/redis-cluster.reliability.ts.
describe('the queues on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisCluster;
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;

  beforeAll(async () => {
    cluster = await RedisCluster.start('integration', 3);
    // REDIS_URL points at nothing: the seeds take precedence.
    const env = { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: 'redis://127.0.0.1:1' };
    api = await startApi(env);
    worker = await startWorker(api, env);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await cluster?.stop();
  });

  it('evaluates a write and finishes a run, each queue on its own slot', async () => {
    await api.http.get('/health/ready').expect(200);
    await api.http
      .put('/v1/customers/RC-0001/profile')
      .set(auth())
      .send({ marketing: { optOut: true } })
      .expect(200);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT evaluated_version, version FROM customer_profile WHERE customer_id = 'RC-0001'`,
      );
      return rows[0] && rows[0].evaluated_version === rows[0].version ? true : undefined;
    }, 30_000);
    const tags = await api.http.get('/v1/customers/RC-0001/tags').set(auth()).expect(200);
    expect(tags.body.tags.map((tag: { tagId: string }) => tag.tagId)).toContain('opted_out');

    const { body } = await api.http.post('/v1/runs').set(auth()).send({ kind: 'recompute' }).expect(202);
    const run = await eventually(async () => {
      const view = await api.http.get(`/v1/runs/${body.runId}`).set(auth()).expect(200);
      return ['succeeded', 'failed', 'cancelled'].includes(view.body.status) ? view.body : undefined;
    }, 60_000);
    expect(run.status).toBe('succeeded');

    const config = { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.seeds, QUEUE_PREFIX: api.queuePrefix };
    const seeds = cluster.seeds
      .split(',')
      .map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) }));
    const client = new Cluster(seeds, { lazyConnect: true });
    try {
      await client.connect();
      for (const queue of [QueueName.Evaluation, QueueName.Runs, QueueName.Maintenance]) {
        const prefix = queuePrefix(config, queue);
        expect(prefix).toBe(`{${api.queuePrefix.slice(1, -1)}-${queue}}`);
        const slot = await cluster.keySlot(prefix);
        const primary = await cluster.primaryOfSlot(slot);
        const keys = await cluster.command(primary.port, (node) => node.cluster('COUNTKEYSINSLOT', slot));
        expect({ queue, keys: keys > 0 }).toEqual({ queue, keys: true });
        // ...and nothing of it under the shared prefix a single Redis would use.
        const shared = await cluster.keySlot(`${api.queuePrefix}:${queue}:meta`);
        expect(shared).not.toBe(slot);
      }
    } finally {
      client.disconnect();
    }
  });
});
