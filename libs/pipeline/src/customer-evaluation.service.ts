import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { digestAfter, evaluateAndDiff, type TagState } from '@tagforge/evaluation';
import { CustomerTagRepository, EvaluationLockRepository, type TagEventCause } from '@tagforge/persistence';
import { ActiveCatalogService } from './active-catalog.service';

export interface CustomerEvaluationResult {
  customerId: string;
  evaluated: boolean;
  profileVersion: number | null;
  changes: number;
  ruleErrors: number;
}

const evaluationSeconds = new Histogram({
  name: 'tagforge_customer_evaluation_seconds',
  help: 'Time to evaluate one customer and write its changes',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
});

const freshnessSeconds = new Histogram({
  name: 'tagforge_tag_freshness_seconds',
  help: 'From a profile write committing to its tags committing',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
});

export const ruleErrorsTotal = new Counter({
  name: 'tagforge_rule_errors_total',
  help: 'Rules that threw for a customer (the tag keeps its value), by tag',
  labelNames: ['tag'] as const,
});

@Injectable()
export class CustomerEvaluationService {
  constructor(
    private readonly locks: EvaluationLockRepository,
    private readonly tags: CustomerTagRepository,
    private readonly catalog: ActiveCatalogService,
  ) {}

  // Idempotent: a customer whose stored version is already evaluated is left alone, so a job
  // delivered twice, or one that was coalesced with a later write, does nothing harmful.
  async evaluate(customerId: string, cause: TagEventCause = 'profile'): Promise<CustomerEvaluationResult> {
    const stop = evaluationSeconds.startTimer();
    try {
      return await this.locks.transaction(async (manager) => {
        const locked = await this.locks.lockProfileForEvaluation(customerId, manager);
        if (!locked || locked.version <= locked.evaluatedVersion) {
          return {
            customerId,
            evaluated: false,
            profileVersion: locked?.version ?? null,
            changes: 0,
            ruleErrors: 0,
          };
        }
        // The catalog as of the lock: an evaluation that waited behind an activation's chunk must not
        // write the superseded version's values.
        const { evaluator, versions } = await this.catalog.current(manager);
        const current = new Map<string, TagState>(
          (await this.tags.current(customerId, manager)).map((tag) => [tag.tagId, tag]),
        );
        // Only the tags that read what changed (and their dependents); everything on a first evaluation.
        const only = locked.pendingPaths === null ? undefined : evaluator.affectedTags(locked.pendingPaths);
        const { changes, failed } = evaluateAndDiff(evaluator, locked.profile, Date.now(), current, {
          versions,
          only,
        });
        for (const tagId of failed) ruleErrorsTotal.inc({ tag: tagId });
        await this.tags.applyChanges(
          [{ customerId, profileVersion: locked.version, changes }],
          { cause, runId: null },
          manager,
        );
        await this.locks.markCustomerEvaluated(
          customerId,
          locked.version,
          digestAfter(current, changes),
          manager,
        );
        // Measured when the transaction is about to commit; the commit itself adds a millisecond or so.
        freshnessSeconds.observe(Math.max(0, Date.now() - locked.updatedAt.getTime()) / 1000);
        return {
          customerId,
          evaluated: true,
          profileVersion: locked.version,
          changes: changes.length,
          ruleErrors: failed.size,
        };
      });
    } finally {
      stop();
    }
  }
}
