import { createServer, type Server } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge, register } from 'prom-client';
import { AppConfig } from '@tagforge/common';
import { QueueName, QueueProducer, queuePrefix } from '@tagforge/queue';

// A worker has no API server, so it serves its own /metrics (jobs, evaluation latency, freshness,
// rule errors, reconciler work) and the depth of every queue.
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: Server;
  private readonly queues: Queue[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly producer: QueueProducer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.WORKER_METRICS_PORT === 0) return;
    const queues = Object.values(QueueName).map(
      (name) => new Queue(name, { connection: this.producer.redis, prefix: queuePrefix(this.config, name) }),
    );
    this.queues.push(...queues);
    register.removeSingleMetric('tagforge_queue_jobs');
    new Gauge({
      name: 'tagforge_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'] as const,
      async collect() {
        for (const queue of queues) {
          const counts = await queue.getJobCounts(
            'waiting',
            'active',
            'delayed',
            'failed',
            'waiting-children',
          );
          for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
        }
      },
    });
    this.server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      register.metrics().then(
        (body) => response.writeHead(200, { 'Content-Type': register.contentType }).end(body),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.WORKER_METRICS_PORT, resolve);
    });
    this.logger.log(`metrics on :${this.config.WORKER_METRICS_PORT}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.queues.map((queue) => queue.close()));
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
