import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { ServiceProcess, sleep } from './child-process';

// A redis-server child on loopback: no persistence (a restart loses every job, as a Redis without
// AOF does) and noeviction (as production must run). `extra` adds settings (cluster mode).
export function startRedisProcess(
  name: string,
  port: number,
  dir: string,
  logFile: string,
  extra: string[] = [],
): ServiceProcess {
  mkdirSync(dir, { recursive: true });
  return ServiceProcess.start(
    name,
    'redis-server',
    [
      '--port',
      String(port),
      ...extra,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--dir',
      dir,
    ],
    process.env,
    logFile,
  );
}

// One short-lived connection per command, to one server (no retries, no offline queue, no cluster
// redirection): the scenario's own client must not mask an outage.
export async function redisCommand<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

// Until the server answers PING (15 s at most); fails at once when its process exits.
export async function waitForPing(server: ServiceProcess, port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    server.assertRunning();
    try {
      await redisCommand(port, (client) => client.ping());
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${server.name} did not answer PING on port ${port}:\n${server.logTail()}`);
}
