import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ServiceProcess, freePort, sleep } from './child-process';
import { WORK_DIR } from './settings';

// A private redis-server per scenario (the shared one on 6379 is other people's): no persistence,
// so a restart loses every job, as a Redis without AOF does.
export class RedisServer {
  private process?: ServiceProcess;
  private restarts = 0;

  private constructor(
    readonly name: string,
    readonly port: number,
  ) {}

  static async start(name: string): Promise<RedisServer> {
    const server = new RedisServer(name, await freePort());
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  residentMegabytes(): number | null {
    return this.process?.residentMegabytes() ?? null;
  }

  // SIGKILL: the jobs, job schedulers and deduplication keys held in memory are gone.
  async kill(): Promise<void> {
    await this.process?.kill('SIGKILL');
  }

  // Same port, empty data set.
  async launch(): Promise<void> {
    const dir = join(WORK_DIR, `${this.name}-redis`);
    mkdirSync(dir, { recursive: true });
    this.process = ServiceProcess.start(
      `${this.name} redis`,
      'redis-server',
      [
        '--port',
        String(this.port),
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
      join(WORK_DIR, `${this.name}-redis-${this.restarts++}.log`),
    );
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      this.process.assertRunning();
      if (await this.ping()) return;
      await sleep(100);
    }
    throw new Error(
      `${this.name} redis did not answer PING on port ${this.port}:\n${this.process.logTail()}`,
    );
  }

  async ping(): Promise<boolean> {
    try {
      await this.command((client) => client.ping());
      return true;
    } catch {
      return false;
    }
  }

  // One short-lived connection per command: the scenario's own client must not mask an outage.
  async command<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(this.url, {
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

  async flushAll(): Promise<void> {
    await this.command((client) => client.flushall());
  }

  async stop(): Promise<void> {
    await this.process?.stop(5000);
  }
}
