import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Worker, type Job } from 'bullmq';
import { Counter, Histogram } from 'prom-client';
import { AppConfig } from '@tagforge/common';
import {
  JOB_HANDLER,
  JobName,
  QUEUE_OF_JOB,
  QueueName,
  createRedisConnection,
  queuePrefix,
  redisTarget,
  unreachableRedisMessage,
  warnUnlessNoEviction,
  type JobHandlerFunction,
  type RedisConnection,
} from '@tagforge/queue';

// The handler of each job, found by its @JobHandler (which checked its type against the catalog).
type Handler = JobHandlerFunction<JobName>;

const jobsTotal = new Counter({
  name: 'tagforge_jobs_total',
  help: 'Jobs processed by name and outcome',
  labelNames: ['name', 'outcome'] as const,
});
const jobDuration = new Histogram({
  name: 'tagforge_job_duration_seconds',
  help: 'Job processing time by name',
  labelNames: ['name'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
});

// Consumes every queue and dispatches each job to its @JobHandler method. Only the worker app
// creates this; the API only produces.
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerHost.name);
  private readonly workers: Worker[] = [];
  private connection?: RedisConnection;

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.discoverHandlers();
    const target = redisTarget(this.config);
    this.connection = createRedisConnection(target, 'worker');
    try {
      await this.connection.connect();
    } catch (error) {
      this.connection.disconnect();
      throw new Error(unreachableRedisMessage(target, error), { cause: error });
    }
    await warnUnlessNoEviction(this.connection, this.logger);
    const concurrency = this.concurrencyByQueue();
    // Deliveries hold a connection only between their requests (never while waiting for a receiver).
    const connectionsWanted = Object.entries(concurrency)
      .filter(([queueName]) => queueName !== QueueName.Delivery)
      .reduce((sum, [, jobs]) => sum + jobs, 0);
    if (connectionsWanted > this.config.DB_POOL_SIZE) {
      // Jobs beyond the pool wait for a connection and fail on the connect timeout.
      this.logger.warn(
        `DB_POOL_SIZE ${this.config.DB_POOL_SIZE} is below the ${connectionsWanted} jobs this worker runs at once; raise it`,
      );
    }
    for (const queueName of Object.values(QueueName)) {
      const worker = new Worker(queueName, (job: Job) => this.process(handlers, job), {
        connection: this.connection,
        prefix: queuePrefix(this.config, queueName),
        concurrency: concurrency[queueName],
        // A run chunk is idempotent, so one whose worker died is safe to run again, more than once
        // (BullMQ's default fails a job for good at its second stall; the reconciler then relaunches
        // the run, but only after it has made no progress for five minutes).
        ...(queueName === QueueName.Runs ? { maxStalledCount: 3 } : {}),
      });
      worker.on('error', (error) => this.logger.warn(`worker ${queueName}: ${error.message}`));
      worker.on('failed', (job, error) =>
        this.logger.warn(
          `job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? 0}): ${error.message}`,
        ),
      );
      this.workers.push(worker);
    }
    this.logger.log(
      `consuming ${Object.entries(concurrency)
        .map(([queueName, jobs]) => `${queueName} (${jobs} at a time)`)
        .join(', ')}`,
    );
  }

  private concurrencyByQueue(): Record<QueueName, number> {
    return {
      [QueueName.Evaluation]: this.config.WORKER_CONCURRENCY,
      [QueueName.Runs]: this.config.RUN_CONCURRENCY,
      [QueueName.Maintenance]: 1,
      [QueueName.Delivery]: this.config.DESTINATION_CONCURRENCY,
    };
  }

  // SIGTERM: stop taking jobs, let the active ones finish, then close the connection.
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    this.connection?.disconnect();
    this.logger.log('workers drained and closed');
  }

  private async process(handlers: Map<JobName, Handler>, job: Job): Promise<unknown> {
    const handler = handlers.get(job.name as JobName);
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    const stop = jobDuration.startTimer({ name: job.name });
    try {
      const result = await handler(job.data, {
        finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      });
      jobsTotal.inc({ name: job.name, outcome: 'completed' });
      return result;
    } catch (error) {
      jobsTotal.inc({ name: job.name, outcome: 'failed' });
      throw error;
    } finally {
      stop();
    }
  }

  private discoverHandlers(): Map<JobName, Handler> {
    const handlers = new Map<JobName, Handler>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName];
        if (typeof method !== 'function') continue;
        const name = this.reflector.get<JobName | undefined>(JOB_HANDLER, method as () => unknown);
        if (!name) continue;
        if (handlers.has(name)) throw new Error(`job ${name} has two handlers`);
        handlers.set(name, (data, context) => (method as Handler).call(instance, data, context));
      }
    }
    const missing = (Object.keys(QUEUE_OF_JOB) as JobName[]).filter((name) => !handlers.has(name));
    if (missing.length > 0) throw new Error(`jobs without a handler: ${missing.join(', ')}`);
    return handlers;
  }
}
