import { Cluster, Redis } from 'ioredis';
import { QueueName } from './job-catalog';
import { createRedisConnection, describeRedisTarget, queuePrefix, redisTarget } from './redis-connection';

// Redis Cluster's key slot (CRC16/XMODEM of the hash tag, or of the whole key, modulo 16384), as
// `CLUSTER KEYSLOT` computes it; the reliability scenario checks the same slots on a live cluster.
function calculateSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

const single = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_CLUSTER_NODES: undefined,
  QUEUE_PREFIX: '{tagforge}',
};
const cluster = { ...single, REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis-b.internal:7001' };

describe('the Redis connection choice', () => {
  it('uses REDIS_URL unless cluster seeds are given, which take precedence', () => {
    expect(redisTarget(single)).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(redisTarget(cluster)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
      ],
    });
    expect(describeRedisTarget(redisTarget(cluster))).toContain('REDIS_CLUSTER_NODES');
  });

  it('builds an ioredis Cluster for seeds and a plain client for a URL, neither connected yet', () => {
    const plain = createRedisConnection(redisTarget(single), 'producer');
    const clustered = createRedisConnection(redisTarget(cluster), 'worker');
    try {
      expect(plain).toBeInstanceOf(Redis);
      expect(clustered).toBeInstanceOf(Cluster);
      expect(plain.status).toBe('wait');
      // BullMQ workers refuse a connection that gives up on a command.
      expect((clustered as Cluster).options.redisOptions?.maxRetriesPerRequest).toBeNull();
    } finally {
      plain.disconnect();
      clustered.disconnect();
    }
  });

  it('keeps one shared prefix on one Redis: key names as before', () => {
    for (const queue of Object.values(QueueName)) expect(queuePrefix(single, queue)).toBe('{tagforge}');
  });

  it('gives each queue its own hash tag on a cluster, so queues hash to different slots', () => {
    const prefixes = Object.values(QueueName).map((queue) => queuePrefix(cluster, queue));
    expect(prefixes).toEqual([
      '{tagforge-evaluation}',
      '{tagforge-runs}',
      '{tagforge-maintenance}',
      '{tagforge-delivery}',
    ]);
    // Every key of one queue shares the slot of its hash tag (BullMQ's scripts need that)...
    for (const prefix of prefixes) {
      const keys = ['wait', 'active', 'meta', 'events', 'job-42'].map((suffix) => `${prefix}:q:${suffix}`);
      expect(new Set(keys.map((key) => calculateSlot(key))).size).toBe(1);
    }
    // ...and the queues do not share one slot (docs/scaling.md lists which primary serves which).
    expect(new Set(prefixes.map((prefix) => calculateSlot(`${prefix}:x`))).size).toBe(prefixes.length);
    expect(prefixes.map((prefix) => calculateSlot(prefix.slice(1, -1)))).toEqual([2415, 4584, 13834, 13249]);
  });
});
