import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AppConfig } from '@tagforge/common';
import { EvaluationRunRepository, ProfileRepository } from '@tagforge/persistence';
import { JobName, QueueProducer } from '@tagforge/queue';
import { ActiveCatalogService } from './active-catalog.service';
import { RunService } from './run.service';

const RECONCILE_BATCH = 10_000;
const STALLED_RUN_SECONDS = 300;

const reconcilerEnqueued = new Counter({
  name: 'tagforge_reconciler_reenqueued_total',
  help: 'Work the reconciler re-enqueued because its job was lost or never enqueued',
  labelNames: ['kind'] as const,
});

// A lost job, a Redis flush or an enqueue that failed after commit delays tags but never loses
// them: whatever is written and not evaluated after the grace period is enqueued again.
@Injectable()
export class ReconcilerService {
  private readonly logger = new Logger(ReconcilerService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly profiles: ProfileRepository,
    private readonly runs: EvaluationRunRepository,
    private readonly runService: RunService,
    private readonly catalog: ActiveCatalogService,
    private readonly producer: QueueProducer,
  ) {}

  async reconcile(
    graceSeconds = this.config.RECONCILE_GRACE_SECONDS,
  ): Promise<{ customers: number; runs: number }> {
    const customerIds = await this.profiles.pendingEvaluation(graceSeconds, RECONCILE_BATCH);
    await this.producer.enqueueMany(
      customerIds.map((customerId) => ({ name: JobName.EvaluateCustomer, data: { customerId } })),
    );
    reconcilerEnqueued.inc({ kind: 'customer' }, customerIds.length);
    const stalled = await this.runs.stalled(Math.max(graceSeconds, STALLED_RUN_SECONDS));
    for (const runId of stalled) await this.runService.relaunch(runId);
    reconcilerEnqueued.inc({ kind: 'run' }, stalled.length);
    if (customerIds.length + stalled.length > 0) {
      this.logger.log(`re-enqueued ${customerIds.length} customer(s) and ${stalled.length} run(s)`);
    }
    return { customers: customerIds.length, runs: stalled.length };
  }

  // Rules that read `now` change value with time alone: re-evaluate them for every customer.
  async scheduleTimeDependent(): Promise<string | null> {
    const { evaluator } = await this.catalog.current();
    const tags = [...evaluator.timeDependentTags()];
    if (tags.length === 0) return null;
    const run = await this.runService.create('schedule', { tags }, 'scheduler');
    await this.runService.launch(run.id);
    return run.id;
  }
}
