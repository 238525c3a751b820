import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@tagforge/common';
import { ReconcilerService } from '@tagforge/pipeline';
import { JobHandler, JobName, QueueProducer } from '@tagforge/queue';

@Injectable()
export class MaintenanceProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly config: AppConfig,
    private readonly reconciler: ReconcilerService,
    private readonly producer: QueueProducer,
  ) {}

  // Job schedulers live in Redis; upserting them at every worker start is idempotent.
  async onApplicationBootstrap(): Promise<void> {
    await this.producer.upsertSchedule(
      'reconcile',
      { every: this.config.RECONCILE_INTERVAL_SECONDS * 1000 },
      { name: JobName.Reconcile, data: {} },
    );
    await this.producer.upsertSchedule(
      'time-dependent-tags',
      { pattern: this.config.TIME_DEPENDENT_CRON },
      { name: JobName.ScheduleTimeDependent, data: {} },
    );
    this.logger.log(
      `reconciler every ${this.config.RECONCILE_INTERVAL_SECONDS}s; time-dependent tags at "${this.config.TIME_DEPENDENT_CRON}"`,
    );
  }

  @JobHandler(JobName.Reconcile)
  reconcile() {
    return this.reconciler.reconcile();
  }

  @JobHandler(JobName.ScheduleTimeDependent)
  scheduleTimeDependent() {
    return this.reconciler.scheduleTimeDependent();
  }
}
