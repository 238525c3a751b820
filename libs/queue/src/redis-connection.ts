import { Logger } from '@nestjs/common';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { AppConfig } from '@tagforge/common';
import type { QueueName } from './job-catalog';

// Where the queues live, decided here and only here: a Redis Cluster when REDIS_CLUSTER_NODES is
// set (it takes precedence), else the one Redis of REDIS_URL.
export type RedisTarget =
  { kind: 'single'; url: string } | { kind: 'cluster'; nodes: { host: string; port: number }[] };

export type RedisConnection = Redis | Cluster;

type RedisSettings = Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>;

export function redisTarget(config: Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): RedisTarget {
  if (config.REDIS_CLUSTER_NODES) {
    return {
      kind: 'cluster',
      nodes: config.REDIS_CLUSTER_NODES.split(',').map((seed) => {
        const separator = seed.lastIndexOf(':');
        return { host: seed.slice(0, separator), port: Number(seed.slice(separator + 1)) };
      }),
    };
  }
  return { kind: 'single', url: config.REDIS_URL };
}

// The BullMQ prefix of one queue. On one Redis every queue shares QUEUE_PREFIX (key names as they
// always were: `{tagforge}:evaluation:...`). On a cluster each queue gets its own hash tag
// (`{tagforge-evaluation}:evaluation:...`): all keys of a queue stay in one slot, as BullMQ's Lua
// scripts need, and different queues hash to different slots, so they spread over the primaries.
// Nothing crosses queues: a flow's parent and children all travel on `runs`.
export function queuePrefix(config: RedisSettings, queue: QueueName): string {
  if (!config.REDIS_CLUSTER_NODES) return config.QUEUE_PREFIX;
  return `{${config.QUEUE_PREFIX.slice(1, -1)}-${queue}}`;
}

export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') {
    return `the Redis Cluster seeded by ${target.nodes.map((node) => `${node.host}:${node.port}`).join(',')} (REDIS_CLUSTER_NODES)`;
  }
  return `${describeRedisUrl(target.url)} (REDIS_URL)`;
}

export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function unreachableRedisMessage(target: RedisTarget, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  const fix =
    target.kind === 'cluster'
      ? 'Check that the seeds are primaries or replicas of a running cluster (`redis-cli -c -p <port> cluster info`).'
      : 'Start it with `docker compose -f docker/compose.yaml up -d redis`, or with the local package ' +
        '(`redis-server --daemonize yes --maxmemory-policy noeviction`), or point REDIS_URL at a running server.';
  return `Cannot reach Redis at ${describeRedisTarget(target)}: ${reason}. ${fix}`;
}

// Producers fail fast while Redis is down (the profile write has committed; the reconciler
// catches up), whereas workers keep retrying the connection forever.
export function createRedisConnection(target: RedisTarget, role: 'producer' | 'worker'): RedisConnection {
  const perNode: RedisOptions =
    role === 'producer' ? { maxRetriesPerRequest: 1, connectTimeout: 2000 } : { maxRetriesPerRequest: null };
  let connection: RedisConnection;
  if (target.kind === 'cluster') {
    const options: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: role === 'worker',
      redisOptions: perNode,
      // During a fail-over the slots of the lost primary answer CLUSTERDOWN or nothing until its
      // replica is promoted (a few seconds): retry rather than fail the command at once.
      retryDelayOnClusterDown: 300,
      retryDelayOnFailover: 300,
      retryDelayOnTryAgain: 300,
      clusterRetryStrategy: (times) => Math.min(200 * times, 2000),
    };
    connection = new Cluster(target.nodes, options);
  } else {
    connection = new Redis(target.url, {
      ...perNode,
      enableOfflineQueue: role === 'worker',
      lazyConnect: true,
    });
  }
  // Without a listener ioredis prints every reconnect failure as an unhandled error.
  connection.on('error', () => undefined);
  return connection;
}

export function isRedisReady(connection: RedisConnection): boolean {
  return connection.status === 'ready';
}

// BullMQ loses jobs silently when Redis evicts keys under memory pressure. On a cluster every
// primary holds queue keys, so each is asked.
export async function warnUnlessNoEviction(connection: RedisConnection, logger: Logger): Promise<void> {
  const nodes: Redis[] = connection instanceof Cluster ? connection.nodes('master') : [connection];
  for (const node of nodes) {
    try {
      const reply = (await node.config('GET', 'maxmemory-policy')) as string[];
      const policy = reply[1];
      if (policy !== 'noeviction') {
        logger.warn(
          `Redis${nodes.length > 1 ? ` ${node.options.host}:${node.options.port}` : ''} maxmemory-policy is "${policy}", not "noeviction": under memory pressure Redis may drop queued ` +
            'jobs (the reconciler repairs it, late). Run Redis with --maxmemory-policy noeviction.',
        );
      }
    } catch (error) {
      logger.warn(`Could not read Redis maxmemory-policy: ${error instanceof Error ? error.message : error}`);
    }
  }
}
