import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@tagforge/common';
import { HistoryPartitionRepository } from '@tagforge/persistence';
import { ReconcilerService } from '@tagforge/pipeline';
import { JobHandler, JobName, QueueProducer } from '@tagforge/queue';

const HISTORY_MONTHS_AHEAD = 2;

@Injectable()
export class MaintenanceProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly config: AppConfig,
    private readonly reconciler: ReconcilerService,
    private readonly producer: QueueProducer,
    private readonly partitions: HistoryPartitionRepository,
  ) {}

  // Job schedulers live in Redis; upserting them at every worker start is idempotent.
  async onApplicationBootstrap(): Promise<void> {
    // Before the first history row of a new month can arrive.
    await this.maintainHistoryPartitions();
    await this.producer.upsertSchedule(
      'history-partitions',
      { pattern: '0 1 * * *' },
      { name: JobName.MaintainHistoryPartitions, data: {} },
    );
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

  @JobHandler(JobName.MaintainHistoryPartitions)
  maintainHistoryPartitions() {
    return this.partitions.ensureMonthlyPartitions(new Date(), HISTORY_MONTHS_AHEAD);
  }

  @JobHandler(JobName.ScheduleTimeDependent)
  scheduleTimeDependent() {
    return this.reconciler.scheduleTimeDependent();
  }
}
