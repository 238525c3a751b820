import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { FlowProducer, Queue } from 'bullmq';
import { AppConfig } from '@tagforge/common';
import { QUEUE_OF_JOB, QueueName, type JobItem } from './job-catalog';
import { DEFAULT_JOB_OPTIONS, jobAttempts, jobIdentity } from './job-options';
import {
  createRedisConnection,
  describeRedisTarget,
  isRedisReady,
  queuePrefix,
  redisTarget,
  unreachableRedisMessage,
  type RedisConnection,
  type RedisTarget,
} from './redis-connection';

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

// The API's only contact with the queue: it adds jobs and never consumes them.
@Injectable()
export class QueueProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueProducer.name);
  private readonly target: RedisTarget;
  private readonly connection: RedisConnection;
  private readonly queues = new Map<QueueName, Queue>();
  private flows?: FlowProducer;

  constructor(private readonly config: AppConfig) {
    this.target = redisTarget(config);
    this.connection = createRedisConnection(this.target, 'producer');
  }

  get redis(): RedisConnection {
    return this.connection;
  }

  // Start-up does not wait for Redis: profile writes are accepted while it is down (they commit and
  // the reconciler enqueues them later); readiness reports it.
  onModuleInit(): void {
    this.connection.connect().catch((error: unknown) => {
      this.logger.warn(unreachableRedisMessage(this.target, error));
    });
  }

  async enqueue(item: JobItem): Promise<void> {
    await this.enqueueMany([item]);
  }

  async enqueueMany(items: readonly JobItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.ensureConnected();
    const byQueue = new Map<QueueName, JobItem[]>();
    for (const item of items) {
      const queueName = QUEUE_OF_JOB[item.name];
      byQueue.set(queueName, [...(byQueue.get(queueName) ?? []), item]);
    }
    for (const [queueName, queueItems] of byQueue) {
      await this.queue(queueName).addBulk(
        queueItems.map((item) => {
          const { jobId, deduplicationId } = jobIdentity(item);
          // keepLastIfActive: a write during an evaluation schedules exactly one more evaluation.
          const deduplication = deduplicationId ? { id: deduplicationId, keepLastIfActive: true } : undefined;
          return { name: item.name, data: item.data, opts: { jobId, deduplication, ...jobAttempts(item) } };
        }),
      );
    }
  }

  // A parent job that runs once all its children have finished (BullMQ flow).
  async enqueueFlow(parent: JobItem, children: readonly JobItem[]): Promise<void> {
    await this.ensureConnected();
    const node = (item: JobItem) => ({
      name: item.name,
      queueName: QUEUE_OF_JOB[item.name],
      data: item.data,
      prefix: queuePrefix(this.config, QUEUE_OF_JOB[item.name]),
      opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIdentity(item).jobId },
    });
    // Every node names its own prefix; the flow producer's is only a default (the runs queue's).
    this.flows ??= new FlowProducer({
      connection: this.connection,
      prefix: queuePrefix(this.config, QUEUE_OF_JOB[parent.name]),
    });
    await this.flows.add({ ...node(parent), children: children.map(node) });
  }

  // Repeating jobs (BullMQ job schedulers); upserting the same id again only updates it.
  async upsertSchedule(
    id: string,
    repeat: { pattern?: string; every?: number },
    item: JobItem,
  ): Promise<void> {
    await this.ensureConnected();
    await this.queue(QUEUE_OF_JOB[item.name]).upsertJobScheduler(id, repeat, {
      name: item.name,
      data: item.data,
    });
  }

  // False once Redis has lost the scheduler (a flush, or a restart without persistence).
  async hasSchedule(id: string, name: JobItem['name']): Promise<boolean> {
    await this.ensureConnected();
    return (await this.queue(QUEUE_OF_JOB[name]).getJobScheduler(id)) !== undefined;
  }

  // Jobs per state in each queue (GET /v1/ops/status); null while Redis is not reachable.
  async jobCounts(): Promise<Record<QueueName, QueueDepth> | null> {
    if (this.connection.status !== 'ready') return null;
    const names = Object.values(QueueName);
    const counts = await Promise.all(
      names.map((name) =>
        this.queue(name).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
      ),
    );
    return Object.fromEntries(
      names.map((name, index) => {
        const count = counts[index];
        return [
          name,
          {
            waiting: (count.waiting ?? 0) + (count.prioritized ?? 0),
            active: count.active ?? 0,
            delayed: count.delayed ?? 0,
            failed: count.failed ?? 0,
          },
        ];
      }),
    ) as Record<QueueName, QueueDepth>;
  }

  async ping(): Promise<void> {
    await this.ensureConnected();
    await this.connection.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(
      [...this.queues.values(), ...(this.flows ? [this.flows] : [])].map((queue) => queue.close()),
    );
    this.connection.disconnect();
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: queuePrefix(this.config, name),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      queue.on('error', (error) => this.logger.warn(`queue ${name}: ${error.message}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private async ensureConnected(): Promise<void> {
    if (!isRedisReady(this.connection)) {
      throw new Error(
        `Redis is not connected (${this.connection.status}) at ${describeRedisTarget(this.target)}`,
      );
    }
  }
}
