import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { freePort, type ServiceProcess } from './child-process';
import { redisCommand, startRedisProcess, waitForPing } from './redis-process';
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
    this.process = startRedisProcess(
      `${this.name} redis`,
      this.port,
      join(WORK_DIR, `${this.name}-redis`),
      join(WORK_DIR, `${this.name}-redis-${this.restarts++}.log`),
    );
    await waitForPing(this.process, this.port);
  }

  async ping(): Promise<boolean> {
    try {
      await this.command((client) => client.ping());
      return true;
    } catch {
      return false;
    }
  }

  command<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    return redisCommand(this.port, work);
  }

  async flushAll(): Promise<void> {
    await this.command((client) => client.flushall());
  }

  async stop(): Promise<void> {
    await this.process?.stop(5000);
  }
}
