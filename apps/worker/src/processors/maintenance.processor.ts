import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@tagforge/common';
import { AudienceSizeRepository, HistoryPartitionRepository } from '@tagforge/persistence';
import { ReconcilerService } from '@tagforge/pipeline';
import { JobHandler, JobName, QueueProducer, type JobItem } from '@tagforge/queue';

const HISTORY_MONTHS_AHEAD = 2;
const AUDIENCE_SIZES_COMPACTION_MS = 5 * 60 * 1000;

interface Schedule {
  id: string;
  repeat: { pattern?: string; every?: number };
  item: JobItem;
}

@Injectable()
export class MaintenanceProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly reconciler: ReconcilerService,
    private readonly producer: QueueProducer,
    private readonly partitions: HistoryPartitionRepository,
    private readonly sizes: AudienceSizeRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Before the first history row of a new month can arrive.
    await this.maintainHistoryPartitions();
    for (const schedule of this.schedules()) {
      await this.producer.upsertSchedule(schedule.id, schedule.repeat, schedule.item);
    }
    // Job schedulers live only in Redis: a flush or a restart without persistence deletes them, and
    // with them the reconciler that recovers the jobs Redis lost. Every worker re-creates them.
    this.watchdog = setInterval(() => void this.restoreLostSchedules(), this.watchdogIntervalMs());
    this.watchdog.unref();
    this.logger.log(
      `reconciler every ${this.config.RECONCILE_INTERVAL_SECONDS}s; time-dependent tags at "${this.config.TIME_DEPENDENT_CRON}"`,
    );
  }

  onApplicationShutdown(): void {
    clearInterval(this.watchdog);
  }

  async restoreLostSchedules(): Promise<string[]> {
    const restored: string[] = [];
    try {
      for (const schedule of this.schedules()) {
        if (await this.producer.hasSchedule(schedule.id, schedule.item.name)) continue;
        await this.producer.upsertSchedule(schedule.id, schedule.repeat, schedule.item);
        restored.push(schedule.id);
      }
    } catch (error) {
      // Redis is down: the next tick tries again.
      this.logger.warn(
        `cannot check job schedulers: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (restored.length > 0) {
      this.logger.warn(`re-created job schedulers Redis had lost: ${restored.join(', ')}`);
    }
    return restored;
  }

  @JobHandler(JobName.Reconcile)
  reconcile() {
    return this.reconciler.reconcile();
  }

  @JobHandler(JobName.MaintainHistoryPartitions)
  maintainHistoryPartitions() {
    return this.partitions.ensureMonthlyPartitions(new Date(), HISTORY_MONTHS_AHEAD);
  }

  // The size rollup is appended to by every history write; folding keeps its reads short.
  @JobHandler(JobName.CompactAudienceSizes)
  compactAudienceSizes() {
    return this.sizes.compact();
  }

  @JobHandler(JobName.ScheduleTimeDependent)
  scheduleTimeDependent() {
    return this.reconciler.scheduleTimeDependent();
  }

  private schedules(): Schedule[] {
    return [
      {
        id: 'history-partitions',
        repeat: { pattern: '0 1 * * *' },
        item: { name: JobName.MaintainHistoryPartitions, data: {} },
      },
      {
        id: 'audience-sizes',
        repeat: { every: AUDIENCE_SIZES_COMPACTION_MS },
        item: { name: JobName.CompactAudienceSizes, data: {} },
      },
      {
        id: 'reconcile',
        repeat: { every: this.config.RECONCILE_INTERVAL_SECONDS * 1000 },
        item: { name: JobName.Reconcile, data: {} },
      },
      {
        id: 'time-dependent-tags',
        repeat: { pattern: this.config.TIME_DEPENDENT_CRON },
        item: { name: JobName.ScheduleTimeDependent, data: {} },
      },
    ];
  }

  // As often as the reconciler runs, and at least every 10 s.
  private watchdogIntervalMs(): number {
    return Math.min(this.config.RECONCILE_INTERVAL_SECONDS, 10) * 1000;
  }
}
