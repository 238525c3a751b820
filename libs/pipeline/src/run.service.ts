import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  digestAfter,
  evaluateAgainst,
  evaluateAndDiff,
  tagDigest,
  type CatalogEvaluator,
  type EvaluableDefinition,
  type TagState,
} from '@tagforge/evaluation';
import {
  AuditLogRepository,
  CustomerTagRepository,
  EvaluationLockRepository,
  EvaluationRunRepository,
  RunStoppedError,
  SandboxRepository,
  TagDefinitionRepository,
  type ChunkRange,
  type CustomerChanges,
  type UnlockedProfile,
  type EvaluationRunEntity,
  type RunKind,
  type RunScope,
  type SandboxResultRow,
  type TagEventCause,
} from '@tagforge/persistence';
import { JobName, QueueProducer, type JobPayloads } from '@tagforge/queue';
import { ActiveCatalogService, type ActiveCatalog } from './active-catalog.service';
import { ruleErrorsTotal } from './customer-evaluation.service';
import { countError, countTag, type SandboxStats } from './sandbox-stats';

// Keyset ranges over a sorted list of customer ids (a sandbox sample or an explicit list).
function rangesOf(sortedIds: readonly string[], size: number): ChunkRange[] {
  const ranges: ChunkRange[] = [];
  for (let start = 0; start < sortedIds.length; start += size) {
    const last = sortedIds[Math.min(start + size, sortedIds.length) - 1];
    ranges.push({
      chunk: ranges.length,
      afterCustomerId: start === 0 ? null : sortedIds[start - 1],
      lastCustomerId: last,
    });
  }
  return ranges;
}

const isFinished = (run: EvaluationRunEntity) =>
  run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled';

// The active catalog changed while a chunk waited for its locks.
class StaleCatalogError extends Error {}
const MAX_STALE_CATALOG_RETRIES = 5;

// Customers per chunk: large enough for set-based writes to pay off, small enough that a profile
// write to one of its customers, which waits for the chunk's row locks, waits briefly (a first
// evaluation writes ~40 tags and history rows per customer: about a second per chunk here).
export const RUN_CHUNK_SIZE = 1000;

// Nothing to write for this customer: the fresh tags (no rule failed) are exactly those its stored
// digest describes.
function isSettled({ settleable }: UnlockedProfile, evaluator: CatalogEvaluator, now: number): boolean {
  if (settleable === null) return false;
  const fresh = evaluator.evaluateCustomer(settleable.profile, now);
  return fresh.errors.length === 0 && tagDigest(fresh.values, evaluator.sortedIds) === settleable.tagDigest;
}

const CAUSE_OF_RUN: Record<RunKind, TagEventCause> = {
  activation: 'definition',
  retirement: 'definition',
  recompute: 'definition',
  schedule: 'schedule',
  sandbox: 'definition',
  rollback: 'rollback',
};

// What a run over definitions records so that a failure or a cancellation can put things back.
export interface DefinitionRunScope {
  tags: string[];
  retire?: string[];
  // tag -> the version this run activated, and the version active before it (null: a new tag)
  activated?: Record<string, number>;
  previous?: Record<string, number | null>;
  // tag -> the version this run retired
  retired?: Record<string, number>;
  // an activation fails once rule errors hit more than this share of the customers evaluated
  errorThreshold?: number;
  [key: string]: unknown;
}

// Backfills, retirements, recomputes and scheduled re-evaluations: the customer-id space split into
// keyset chunks run as children of one BullMQ flow. Each chunk writes only differences, in one
// transaction that also records the chunk, so a chunk retried or delivered twice writes nothing twice.
@Injectable()
export class RunService {
  private readonly logger = new Logger(RunService.name);

  constructor(
    private readonly runs: EvaluationRunRepository,
    private readonly locks: EvaluationLockRepository,
    private readonly tags: CustomerTagRepository,
    private readonly catalog: ActiveCatalogService,
    private readonly producer: QueueProducer,
    private readonly sandbox: SandboxRepository,
    private readonly definitions: TagDefinitionRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  // Creates the run (inside the caller's transaction when given); call `launch` after commit.
  create(
    kind: RunKind,
    scope: DefinitionRunScope,
    createdBy: string | null,
    manager?: EntityManager,
  ): Promise<EvaluationRunEntity> {
    return this.runs.create({ kind, scope: { ...scope, now: new Date().toISOString() }, createdBy }, manager);
  }

  async createRecompute(createdBy: string): Promise<EvaluationRunEntity> {
    const { versions } = await this.catalog.current();
    return this.create('recompute', { tags: [...versions.keys()] }, createdBy);
  }

  // If Redis is unreachable the run stays queued and the reconciler launches it later.
  async launch(runId: string): Promise<void> {
    try {
      await this.producer.enqueue({ name: JobName.PlanRun, data: { runId } });
    } catch (error) {
      this.logger.warn(`run ${runId} not launched yet: ${(error as Error).message}`);
    }
  }

  // A run that made no progress for a while (its jobs lost with Redis, or a chunk job failed for
  // good): planned again, which enqueues its unrecorded chunks as new jobs. Marked first, so the
  // reconciler's next ticks leave it alone while the plan job waits.
  async relaunch(runId: string): Promise<void> {
    await this.runs.markLaunched(runId, new Date());
    await this.launch(runId);
  }

  async plan(runId: string): Promise<void> {
    const run = await this.runs.find(runId);
    if (!run || isFinished(run)) return;
    const planned = (run.result as { ranges?: ChunkRange[] } | null)?.ranges;
    let ranges = planned;
    if (!ranges) {
      const population = (run.result as { population?: string[] } | null)?.population;
      const computed = population
        ? { ranges: rangesOf(population, RUN_CHUNK_SIZE), total: population.length }
        : await this.runs.chunkRanges(RUN_CHUNK_SIZE);
      ranges = computed.ranges;
      await this.runs.markPlanned(runId, computed.total, ranges);
    }
    const recorded = await this.runs.recordedChunks(runId);
    const pending = ranges.filter((range) => !recorded.has(range.chunk));
    if (pending.length === 0) {
      await this.runs.finish(runId, 'succeeded');
      return;
    }
    const plannedAt = Date.now();
    // The reconciler measures a stalled run's idle time from here, so it relaunches it once per idle period.
    await this.runs.markLaunched(runId, new Date(plannedAt));
    await this.producer.enqueueFlow(
      { name: JobName.FinishRun, data: { runId, plannedAt } },
      pending.map((range) => ({ name: JobName.RunChunk, data: { runId, ...range, plannedAt } })),
    );
  }

  // The job: a chunk that fails on its last attempt fails its run for good (an activation or a
  // retirement is then rolled back); one that stalled is left to the reconciler's relaunch.
  async runChunkJob(
    payload: JobPayloads[JobName.RunChunk],
    context: { finalAttempt: boolean },
  ): Promise<{ customers: number; changed: number }> {
    try {
      return await this.runChunk(payload);
    } catch (error) {
      if (context.finalAttempt) {
        await this.stop(
          payload.runId,
          'failed',
          `chunk ${payload.chunk} failed for good: ${(error as Error).message}`,
        );
      }
      throw error;
    }
  }

  async runChunk(payload: JobPayloads[JobName.RunChunk]): Promise<{ customers: number; changed: number }> {
    const run = await this.runs.find(payload.runId);
    if (!run) throw new Error(`run ${payload.runId} does not exist`);
    if (isFinished(run)) return { customers: 0, changed: 0 };
    if (run.kind === 'sandbox') return this.runSandboxChunk(run, payload);
    // An activation that commits while the chunk waits for its row locks makes the catalog it read
    // stale: the chunk then starts over with the new one (never writing a superseded version).
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { totals, ...result } = await this.runChunkWith(run, payload, await this.catalog.current());
        await this.checkErrorThreshold(run, totals);
        return result;
      } catch (error) {
        // Failed or cancelled meanwhile: what the chunk wrote was rolled back with its transaction.
        if (error instanceof RunStoppedError) return { customers: 0, changed: 0 };
        if (!(error instanceof StaleCatalogError) || attempt >= MAX_STALE_CATALOG_RETRIES) throw error;
      }
    }
  }

  // An activation whose rules fail for more than its threshold's share of the customers evaluated so
  // far does not succeed: it fails and is rolled back.
  private async checkErrorThreshold(
    run: EvaluationRunEntity,
    totals: { done: number; failed: number } | null,
  ): Promise<void> {
    const threshold = (run.scope as DefinitionRunScope).errorThreshold;
    if (run.kind !== 'activation' || threshold === undefined || !totals || totals.done === 0) return;
    if (totals.failed / totals.done <= threshold) return;
    await this.stop(
      run.id,
      'failed',
      `rule errors for ${totals.failed} of ${totals.done} customers evaluated (${((totals.failed / totals.done) * 100).toFixed(1)} %), above the ${(threshold * 100).toFixed(2)} % threshold`,
    );
  }

  // Fails or cancels a run for good. A run that changed definitions (an activation, a retirement) puts
  // them back: the versions active before are restored (unless a later change replaced them since),
  // and a rollback run re-evaluates those tags for every customer, and removes tags the run added,
  // with history rows of cause 'rollback'. Returns the rollback run's id, if any.
  async stop(
    runId: string,
    status: 'failed' | 'cancelled',
    reason: string,
    actor: { keyId: string | null; name: string } = { keyId: null, name: 'system' },
  ): Promise<{ stopped: boolean; rollbackRunId: string | null }> {
    const outcome = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const run = await this.runs.find(runId, manager);
      if (!run || !(await this.runs.stop(runId, status, reason, manager))) {
        return { stopped: false, rollbackRunId: null };
      }
      const restored =
        run.kind === 'activation' || run.kind === 'retirement'
          ? await this.restore(run, actor, manager)
          : null;
      const rollback =
        restored && restored.tags.length + restored.retire.length > 0
          ? await this.create('rollback', { ...restored, rollbackOf: run.id }, actor.name, manager)
          : null;
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: status === 'failed' ? 'run.fail' : 'run.cancel',
          entity: 'evaluation_run',
          entityId: run.id,
          before: { status: run.status },
          after: {
            status,
            error: reason,
            restored: restored?.versions ?? null,
            rollbackRunId: rollback?.id ?? null,
          },
        },
        manager,
      );
      return { stopped: true, rollbackRunId: rollback?.id ?? null };
    });
    if (outcome.stopped) {
      this.logger.warn(`run ${runId} ${status}: ${reason}`);
      this.catalog.invalidate();
    }
    if (outcome.rollbackRunId) await this.launch(outcome.rollbackRunId);
    return outcome;
  }

  // Each definition put back is audited as an activation or retirement of its own, as every change of
  // what is active is: asOf answers read which version was active when from these rows.
  private async restore(
    run: EvaluationRunEntity,
    actor: { keyId: string | null; name: string },
    manager: EntityManager,
  ): Promise<{ tags: string[]; retire: string[]; versions: Record<string, number | null> }> {
    const scope = run.scope as DefinitionRunScope;
    const tags: string[] = [];
    const retire: string[] = [];
    const versions: Record<string, number | null> = {};
    const audited = (action: 'definition.activate' | 'definition.retire', tagId: string, version: number) =>
      this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action,
          entity: 'tag_definition',
          entityId: `${tagId}@${version}`,
          before: null,
          after: {
            ...(action === 'definition.activate' ? { version } : { status: 'inactive' }),
            source: 'rollback',
            rollbackOf: run.id,
          },
        },
        manager,
      );
    for (const [tagId, version] of Object.entries(scope.activated ?? {})) {
      if ((await this.definitions.findActiveVersion(tagId, manager))?.version !== version) continue;
      const previous = scope.previous?.[tagId] ?? null;
      if (previous === null) {
        await this.definitions.deactivate(tagId, manager);
        await audited('definition.retire', tagId, version);
        retire.push(tagId);
      } else {
        await this.definitions.setActive(tagId, previous, manager);
        await audited('definition.activate', tagId, previous);
        tags.push(tagId);
      }
      versions[tagId] = previous;
    }
    for (const [tagId, version] of Object.entries(scope.retired ?? {})) {
      if (await this.definitions.findActiveVersion(tagId, manager)) continue;
      await this.definitions.setActive(tagId, version, manager);
      await audited('definition.activate', tagId, version);
      tags.push(tagId);
      versions[tagId] = version;
    }
    return { tags, retire, versions };
  }

  private runChunkWith(
    run: EvaluationRunEntity,
    payload: JobPayloads[JobName.RunChunk],
    catalog: ActiveCatalog,
  ): Promise<{
    customers: number;
    changed: number;
    ruleErrors?: Record<string, { count: number; example: string }>;
    totals: { done: number; failed: number } | null;
  }> {
    const scope = run.scope as RunScope & { now: string };
    const { evaluator, versions } = catalog;
    const only = evaluator.withDependents(scope.tags.filter((tagId) => versions.has(tagId)));
    const inScope = new Map([...versions].filter(([tagId]) => only.has(tagId)));
    const now = Date.parse(scope.now);
    const wholeCatalog = only.size === versions.size && only.size > 0;
    const retiring = (scope.retire?.length ?? 0) > 0;
    return this.locks.bulkTransaction(async (manager) => {
      if (await this.runs.isChunkRecorded(payload.runId, payload.chunk, manager))
        return { customers: 0, changed: 0, totals: null };
      // Profile rows first, then tag rows, as every writer does (an evaluation locks its profile and
      // then writes its tags): a retirement that deleted tag rows first could deadlock with one.
      const lockedFirst = retiring ? await this.locks.lockRange(payload, manager) : undefined;
      const removed = retiring
        ? await this.tags.removeTags(scope.retire!, payload, { runId: run.id }, manager)
        : 0;
      // Over the whole catalog, customers whose fresh tags match their stored digest are settled
      // without a lock, a read of their tags or a write; only the others go the long way.
      const { settled, unsettled } =
        wholeCatalog && !retiring
          ? await this.settle(payload, evaluator, now, manager)
          : { settled: 0, unsettled: undefined };
      const profiles =
        lockedFirst ??
        (unsettled?.length === 0 ? [] : await this.locks.lockRange(payload, manager, unsettled));
      if ((await this.catalog.fingerprint(manager)) !== catalog.fingerprint) throw new StaleCatalogError();
      // A run over part of the catalog reads only the tags it evaluates and the tags their rules read.
      const currentByCustomer =
        only.size > 0 && profiles.length > 0
          ? await this.tags.currentInRange(payload, manager, {
              tagIds: wholeCatalog ? undefined : [...evaluator.withInputs(only)],
              customerIds: unsettled,
            })
          : new Map<string, Map<string, TagState>>();
      const written: CustomerChanges[] = [];
      let changed = 0;
      const evaluated: { customerId: string; version: number; tagDigest: string }[] = [];
      const ruleErrors: Record<string, { count: number; example: string }> = {};
      let failedCustomers = 0;
      for (const { customerId, profile, version } of only.size > 0 ? profiles : []) {
        const current: Map<string, TagState> = currentByCustomer.get(customerId) ?? new Map();
        const { changes: customerChanges, errors } = evaluateAndDiff(evaluator, profile, now, current, {
          versions: inScope,
          only,
        });
        if (errors.length > 0) failedCustomers += 1;
        for (const error of errors) {
          ruleErrorsTotal.inc({ tag: error.tagId });
          const entry = (ruleErrors[error.tagId] ??= {
            count: 0,
            example: `${customerId}: ${error.message}`,
          });
          entry.count += 1;
        }
        if (customerChanges.length > 0) {
          written.push({ customerId, profileVersion: version, changes: customerChanges });
          changed += customerChanges.length;
        }
        if (wholeCatalog) {
          evaluated.push({ customerId, version, tagDigest: digestAfter(current, customerChanges) });
        }
      }
      await this.tags.applyChanges(written, { cause: CAUSE_OF_RUN[run.kind], runId: run.id }, manager);
      // Every active tag was evaluated on the current profile: no evaluation is pending any more, and
      // the digests describe the tags now held. A partial run leaves the digests it changed unknown.
      if (wholeCatalog) await this.locks.markEvaluated(evaluated, manager);
      else
        await this.locks.forgetDigests(
          written.map((customer) => customer.customerId),
          manager,
        );
      const counts = {
        customers: settled + profiles.length,
        changed: changed + removed,
        failed: failedCustomers,
        ruleErrors,
      };
      const totals = await this.runs.recordChunk(payload.runId, payload.chunk, counts, manager);
      return { customers: counts.customers, changed: counts.changed, ruleErrors, totals };
    });
  }

  // The chunk's customers read without locks and those a fresh evaluation settles counted; the others
  // are returned, or undefined when that is all of them (the chunk's range then locks them as a whole).
  private async settle(
    range: ChunkRange,
    evaluator: CatalogEvaluator,
    now: number,
    manager: EntityManager,
  ): Promise<{ settled: number; unsettled: string[] | undefined }> {
    let settled = 0;
    const unsettled: string[] = [];
    for (const stored of await this.locks.readRange(range, manager)) {
      if (isSettled(stored, evaluator, now)) settled += 1;
      else unsettled.push(stored.customerId);
    }
    return { settled, unsettled: settled === 0 ? undefined : unsettled };
  }

  // Evaluates the drafts (and every tag reading them) against live tags, writing no live state:
  // only this chunk's counts and the customers whose value would change.
  private async runSandboxChunk(
    run: EvaluationRunEntity,
    payload: JobPayloads[JobName.RunChunk],
  ): Promise<{ customers: number; changed: number }> {
    const scope = run.scope as { definitions: EvaluableDefinition[]; now: string };
    const population = (run.result as { population?: string[] } | null)?.population ?? null;
    const { evaluator, affected, kinds } = await this.catalog.withDrafts(run.id, scope.definitions);
    const now = Date.parse(scope.now);
    const profiles = await this.sandbox.readRange(
      payload,
      population &&
        population.filter(
          (id) =>
            (payload.afterCustomerId === null || id > payload.afterCustomerId) &&
            id <= payload.lastCustomerId,
        ),
    );
    const currentByCustomer = await this.tags.currentInRange(payload, this.locks.reader(), {
      tagIds: [...evaluator.withInputs(affected)],
    });
    const stats: SandboxStats = {};
    const results: SandboxResultRow[] = [];
    for (const { customerId, profile } of profiles) {
      const current = currentByCustomer.get(customerId) ?? new Map();
      const { values, errors, failed } = evaluateAgainst(evaluator, profile, now, current, affected);
      for (const error of errors) countError(stats, error.tagId, `${customerId}: ${error.message}`);
      for (const tagId of affected) {
        if (failed.has(tagId)) continue;
        const before = current.get(tagId)?.value ?? null;
        const after = values[tagId] ?? null;
        const change = countTag(stats, tagId, kinds.get(tagId)!, before, after);
        if (change) results.push({ customerId, tagId, change, before, after });
      }
    }
    return this.sandbox.transaction(async (manager) => {
      if (!(await this.sandbox.recordChunk(run.id, payload.chunk, profiles.length, stats, manager))) {
        return { customers: 0, changed: 0 };
      }
      await this.sandbox.insertResults(run.id, results, manager);
      return { customers: profiles.length, changed: results.length };
    });
  }

  async finish(runId: string): Promise<void> {
    await this.runs.finish(runId, 'succeeded');
  }
}
