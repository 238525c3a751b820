import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function unreachableRedisMessage(url: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return (
    `Cannot reach Redis at ${describeRedisUrl(url)} (REDIS_URL): ${reason}. ` +
    'Start it with `docker compose -f docker/compose.yaml up -d redis`, or with the local package ' +
    '(`redis-server --daemonize yes --maxmemory-policy noeviction`), or point REDIS_URL at a running server.'
  );
}

// Producers fail fast while Redis is down (the profile write has committed; the reconciler
// catches up), whereas workers keep retrying the connection forever.
export function createRedisConnection(url: string, role: 'producer' | 'worker'): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: true }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: true };
  const connection = new Redis(url, options);
  // Without a listener ioredis prints every reconnect failure as an unhandled error.
  connection.on('error', () => undefined);
  return connection;
}

// BullMQ loses jobs silently when Redis evicts keys under memory pressure.
export async function warnUnlessNoEviction(connection: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await connection.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== 'noeviction') {
      logger.warn(
        `Redis maxmemory-policy is "${policy}", not "noeviction": under memory pressure Redis may drop queued ` +
          'jobs (the reconciler repairs it, late). Run Redis with --maxmemory-policy noeviction.',
      );
    }
  } catch (error) {
    logger.warn(`Could not read Redis maxmemory-policy: ${error instanceof Error ? error.message : error}`);
  }
}
