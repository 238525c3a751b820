import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { AppConfig } from '@tagforge/common';
import { DeliveryService, type DeliveryReport } from '@tagforge/delivery';
import { JobHandler, JobName, QueueProducer, type JobPayloads } from '@tagforge/queue';

const deliveries = new Counter({
  name: 'tagforge_destination_deliveries_total',
  help: 'Batch delivery attempts by destination and outcome (delivered, retry, dead_letter)',
  labelNames: ['destination', 'outcome'] as const,
});
const eventsDelivered = new Counter({
  name: 'tagforge_destination_events_total',
  help: 'Changes delivered (answered 2xx) by destination',
  labelNames: ['destination'] as const,
});
const retries = new Counter({
  name: 'tagforge_destination_retries_total',
  help: 'Batches that failed and will be retried, by destination',
  labelNames: ['destination'] as const,
});
const deadLetters = new Counter({
  name: 'tagforge_destination_dead_letters_total',
  help: 'Batches refused with a 4xx (not 408/429) and dead-lettered, by destination',
  labelNames: ['destination'] as const,
});
const disabled = new Counter({
  name: 'tagforge_destination_disabled_total',
  help: 'Destinations disabled after consecutive failures or an exhausted retry window',
  labelNames: ['destination'] as const,
});
const endToEnd = new Histogram({
  name: 'tagforge_destination_latency_seconds',
  help: 'From the profile write committing to the receiver answering 2xx, per delivered change',
  labelNames: ['destination'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 120, 600],
});
const requestSeconds = new Histogram({
  name: 'tagforge_destination_request_seconds',
  help: 'One delivery request, from sending to the end of the answer',
  labelNames: ['destination'] as const,
  buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
});
const LAG_METRIC = 'tagforge_destination_lag_seconds';

// Wakes destinations with something to deliver (a timer in every worker: it lives in no queue, so a
// Redis flush cannot lose it) and runs each destination's delivery job.
@Injectable()
export class DeliveryProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly config: AppConfig,
    private readonly delivery: DeliveryService,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.DESTINATION_POLL_MS);
    this.timer.unref();
    const { delivery, logger } = this;
    // Measured at each scrape (one small read per destination), so a destination waiting for a retry
    // or paused shows its lag growing, and a deleted one drops out.
    register.removeSingleMetric(LAG_METRIC);
    new Gauge({
      name: LAG_METRIC,
      help: 'Age of the oldest change a destination has not received yet (0: caught up with the feed head)',
      labelNames: ['destination'] as const,
      async collect() {
        try {
          const lags = await delivery.lagSeconds();
          this.reset();
          for (const [destination, seconds] of lags) this.set({ destination }, seconds);
        } catch (error) {
          // Postgres is down: the gauge keeps its last values.
          logger.debug(`destination lag: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    register.removeSingleMetric(LAG_METRIC);
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const due = await this.delivery.due();
      await this.producer.enqueueMany(
        due.map((destinationId) => ({ name: JobName.DeliverDestination, data: { destinationId } })),
      );
    } catch (error) {
      // Postgres or Redis is down: the next tick tries again.
      this.logger.debug(`delivery tick: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  @JobHandler(JobName.DeliverDestination)
  async handle(data: JobPayloads[JobName.DeliverDestination]): Promise<DeliveryReport> {
    const report = await this.delivery.deliver(data.destinationId);
    this.record(report);
    if (report.more) {
      await this.producer.enqueue({ name: JobName.DeliverDestination, data });
    }
    return report;
  }

  private record(report: DeliveryReport): void {
    const destination = report.destinationId;
    for (const attempt of report.attempts) {
      deliveries.inc({ destination, outcome: attempt.outcome });
      requestSeconds.observe({ destination }, attempt.latencyMs / 1000);
      if (attempt.outcome === 'delivered') eventsDelivered.inc({ destination }, attempt.events);
      if (attempt.outcome === 'retry') retries.inc({ destination });
      if (attempt.outcome === 'dead_letter') deadLetters.inc({ destination });
    }
    for (const ms of report.endToEndMs) endToEnd.observe({ destination }, ms / 1000);
    if (report.disabled !== null) disabled.inc({ destination });
  }
}
