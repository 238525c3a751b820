import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ServiceProcess, freePort, sleep } from './child-process';
import { HttpClient } from './http-client';
import { parseMetrics, type MetricSamples } from './prometheus-text';
import type { PostgresCluster } from './postgres-cluster';
import { RedisServer } from './redis-server';
import { ScenarioDatabase } from './scenario-database';
import {
  API_ENTRY,
  BOOTSTRAP_KEY,
  DEFINITIONS_DIR,
  RECONCILE_GRACE_SECONDS,
  RECONCILE_INTERVAL_SECONDS,
  SERVICE_LOG_LEVEL,
  WORKER_ENTRY,
  WORK_DIR,
} from './settings';

export type ServiceEnv = Record<string, string>;

export class ApiProcess {
  readonly http: HttpClient;

  constructor(
    readonly process: ServiceProcess,
    readonly port: number,
  ) {
    this.http = new HttpClient(this.url, BOOTSTRAP_KEY);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // `ready`: Postgres and Redis both reachable; `live`: the process answers HTTP at all.
  async waitUntil(probe: 'ready' | 'live', timeoutMs = 90_000): Promise<void> {
    const client = new HttpClient(this.url, null, 1);
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        this.process.assertRunning();
        const result = await client.get(`/health/${probe}`, { timeoutMs: 3000 });
        if (result.status === 200) return;
        await sleep(250);
      }
      throw new Error(`${this.process.name} not ${probe} after ${timeoutMs} ms:\n${this.process.logTail()}`);
    } finally {
      client.close();
    }
  }
}

export class WorkerProcess {
  constructor(
    readonly process: ServiceProcess,
    readonly metricsPort: number,
  ) {}

  // Up once its metrics answer and its BullMQ workers consume (logged at info).
  async waitUntilConsuming(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.process.assertRunning();
      if (readFileSync(this.process.logFile, 'utf8').includes('"consuming ')) return;
      await sleep(250);
    }
    throw new Error(`${this.process.name} not consuming after ${timeoutMs} ms:\n${this.process.logTail()}`);
  }

  async metrics(): Promise<MetricSamples | null> {
    const client = new HttpClient(`http://127.0.0.1:${this.metricsPort}`, null, 1);
    try {
      const result = await client.get('/metrics', { accept: 'text/plain', timeoutMs: 10_000 });
      return result.status === 200 && typeof result.body === 'string' ? parseMetrics(result.body) : null;
    } finally {
      client.close();
    }
  }
}

export interface DeploymentOptions {
  // A cluster of the scenario's own (Postgres restarts); otherwise a database on the shared server.
  cluster?: PostgresCluster;
  workerConcurrency?: number;
}

// One scenario's system: its database, its Redis, and the API and worker processes started from
// dist/ exactly as in production (one process each, env config only).
export class Deployment {
  readonly apis: ApiProcess[] = [];
  readonly workers: WorkerProcess[] = [];
  readonly db: Pool;
  // Aborted when the deployment closes: load loops still running after a failure stop with it.
  readonly stopping = new AbortController();
  private serial = 0;

  private constructor(
    readonly scenario: string,
    readonly database: ScenarioDatabase,
    readonly redis: RedisServer,
    private readonly options: DeploymentOptions,
  ) {
    this.db = new Pool({ connectionString: database.url, max: 4, connectionTimeoutMillis: 10_000 });
    this.db.on('error', () => undefined);
  }

  static async create(scenario: string, options: DeploymentOptions = {}): Promise<Deployment> {
    const database = await ScenarioDatabase.create(scenario, options.cluster?.adminUrl);
    let redis: RedisServer;
    try {
      redis = await RedisServer.start(scenario);
    } catch (error) {
      await database.drop();
      throw error;
    }
    return new Deployment(scenario, database, redis, options);
  }

  get api(): ApiProcess {
    if (this.apis.length === 0) throw new Error('no API started');
    return this.apis[0];
  }

  private baseEnv(extra: ServiceEnv): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: '{tagforge}',
      BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
      TAG_DEFINITIONS_DIR: DEFINITIONS_DIR,
      RECONCILE_GRACE_SECONDS: String(RECONCILE_GRACE_SECONDS),
      RECONCILE_INTERVAL_SECONDS: String(RECONCILE_INTERVAL_SECONDS),
      RATE_LIMIT_PER_SECOND: '100000',
      ...extra,
    };
  }

  async startApi(
    extra: ServiceEnv = {},
    wait: 'ready' | 'live' | 'none' = 'ready',
    port?: number,
  ): Promise<ApiProcess> {
    const chosen = port ?? (await freePort());
    const name = `${this.scenario}-api-${++this.serial}`;
    const service = ServiceProcess.start(
      name,
      process.execPath,
      [API_ENTRY],
      this.baseEnv({ PORT: String(chosen), LOG_LEVEL: SERVICE_LOG_LEVEL, ...extra }),
      join(WORK_DIR, `${name}.log`),
    );
    const api = new ApiProcess(service, chosen);
    this.apis.push(api);
    if (wait !== 'none') await api.waitUntil(wait);
    return api;
  }

  async startWorker(extra: ServiceEnv = {}, wait = true): Promise<WorkerProcess> {
    const metricsPort = await freePort();
    const name = `${this.scenario}-worker-${++this.serial}`;
    const service = ServiceProcess.start(
      name,
      process.execPath,
      [WORKER_ENTRY],
      this.baseEnv({
        WORKER_METRICS_PORT: String(metricsPort),
        WORKER_CONCURRENCY: String(this.options.workerConcurrency ?? 6),
        // info: the start-up line "consuming ..." tells when it takes jobs; it logs little else.
        LOG_LEVEL: SERVICE_LOG_LEVEL === 'warn' ? 'info' : SERVICE_LOG_LEVEL,
        ...extra,
      }),
      join(WORK_DIR, `${name}.log`),
    );
    const worker = new WorkerProcess(service, metricsPort);
    this.workers.push(worker);
    if (wait) await worker.waitUntilConsuming();
    return worker;
  }

  runningWorkers(): WorkerProcess[] {
    return this.workers.filter((worker) => worker.process.running);
  }

  // Every process this deployment started, stopped; the database dropped unless kept for a look.
  async close(options: { keepDatabase?: boolean } = {}): Promise<void> {
    this.stopping.abort();
    for (const api of this.apis) api.http.close();
    await Promise.allSettled([
      ...this.apis.map((api) => api.process.stop()),
      ...this.workers.map((worker) => worker.process.stop()),
    ]);
    await this.redis.stop().catch(() => undefined);
    await this.db.end().catch(() => undefined);
    if (!options.keepDatabase) await this.database.drop().catch(() => undefined);
  }
}
