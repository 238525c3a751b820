import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, cursorCodec, isCustomerId } from '@tagforge/common';
import type { TagValue } from '@tagforge/evaluation';
import {
  AuditLogRepository,
  CustomerTagRepository,
  EvaluationRunRepository,
  SandboxRepository,
  type EvaluationRunEntity,
  type SandboxChange,
} from '@tagforge/persistence';
import { REDACTED, explain, isBureauPath, readsOnlyBureau, ruleDependencies } from '@tagforge/rules';
import { ActiveCatalogService } from './active-catalog.service';
import { DefinitionService, type Actor } from './definition.service';
import { RunService } from './run.service';
import { mergeStats, type TagSandboxStats } from './sandbox-stats';

export const MAX_SANDBOX_SAMPLE = 1_000_000;
export const MAX_SANDBOX_LISTED_CUSTOMERS = 100_000;
export const MAX_SANDBOX_DRAFTS = 50;
export const DEFAULT_SANDBOX_CUSTOMERS_PAGE = 20;
export const MAX_SANDBOX_CUSTOMERS_PAGE = 100;

export type SandboxPopulation = 'all' | { sample: number; seed: number } | { customerIds: string[] };
export type SandboxChangeKind = 'entered' | 'left' | 'changed';

// A sandbox run as the API hands it over: definitions in the file format (validated here against
// the active catalog), the population, and the evaluation instant (ISO 8601).
export interface SandboxRequest {
  definitions: unknown[];
  population: SandboxPopulation;
  now: string;
}

// A page of a run's customers ends at a customer id.
export const SANDBOX_CUSTOMERS_CURSOR = cursorCodec<string>(
  1,
  (customerId) => [customerId],
  ([customerId]) => (isCustomerId(customerId) ? customerId : undefined),
);

type Population = SandboxPopulation;

// The risk team's sandbox: draft definitions evaluated over the real population through the queue,
// writing no live state; who would enter or leave, the knock-on effect on segments, and why.
@Injectable()
export class SandboxService {
  constructor(
    private readonly definitions: DefinitionService,
    private readonly runs: EvaluationRunRepository,
    private readonly runService: RunService,
    private readonly sandbox: SandboxRepository,
    private readonly tags: CustomerTagRepository,
    private readonly catalog: ActiveCatalogService,
    private readonly audit: AuditLogRepository,
  ) {}

  // `viewer.bureau`: the key may see credit-bureau data. Without it a draft that reads `bureau.*` is
  // refused (its results would show bureau values), and every view below hides them.
  async start(
    request: SandboxRequest,
    actor: Actor,
    viewer: Viewer = { bureau: false },
  ): Promise<{ runId: string; status: string; customers?: number }> {
    const { definitions } = await this.definitions.checkDrafts(request.definitions);
    const readsBureau = definitions.filter((definition) =>
      ruleDependencies(definition.rule).paths.some(isBureauPath),
    );
    if (!viewer.bureau && readsBureau.length > 0) {
      throw new TagforgeException(
        ErrorCode.Forbidden,
        `trying drafts that read credit-bureau data needs the "bureau:read" scope: ${readsBureau.map((definition) => definition.id).join(', ')}`,
      );
    }
    const population = await this.population(request.population);
    const run = await this.runs.create({
      kind: 'sandbox',
      scope: {
        tags: definitions.map((definition) => definition.id),
        definitions,
        population: request.population,
        now: request.now,
      },
      createdBy: actor.name,
      result: population ? { population } : undefined,
    });
    await this.audit.append({
      actorKeyId: actor.keyId,
      actorName: actor.name,
      action: 'run.start',
      entity: 'evaluation_run',
      entityId: run.id,
      after: { kind: 'sandbox', tags: definitions.map((definition) => definition.id) },
    });
    await this.runService.launch(run.id);
    return { runId: run.id, status: run.status, ...(population ? { customers: population.length } : {}) };
  }

  async get(runId: string, viewer: Viewer = { bureau: false }) {
    const run = await this.requireRun(runId);
    const scope = run.scope as { tags: string[]; population: Population; now: string };
    const stats = mergeStats((await this.sandbox.chunkStats(runId)) as never[]);
    const { kinds, evaluator } = await this.draftCatalog(run);
    const drafts = new Set(scope.tags);
    const hidden = viewer.bureau
      ? () => false
      : (tagId: string) => readsOnlyBureau(tagId, (id) => evaluator.dependencies(id));
    const view = (tagId: string, entry: TagSandboxStats) => ({
      tagId,
      kind: kinds.get(tagId),
      ...(hidden(tagId) ? redactStats(entry) : entry),
    });
    return {
      id: run.id,
      status: run.status,
      progress: {
        total: run.total,
        done: run.done,
        percent:
          run.total === 0 ? (run.status === 'succeeded' ? 100 : 0) : Math.floor((run.done / run.total) * 100),
      },
      population: scope.population,
      now: scope.now,
      createdBy: run.createdBy,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      tags: scope.tags.map((tagId) => view(tagId, stats[tagId] ?? emptyStats())),
      segments: Object.entries(stats)
        .filter(([tagId]) => !drafts.has(tagId) && kinds.get(tagId) === 'segment')
        .map(([tagId, entry]) => ({
          segmentId: tagId,
          sizeNow: entry.setBefore,
          sizeWithDraft: entry.set,
          entered: entry.entered,
          left: entry.left,
        })),
      otherDependents: Object.entries(stats)
        .filter(([tagId]) => !drafts.has(tagId) && kinds.get(tagId) !== 'segment')
        .map(([tagId, entry]) => view(tagId, entry)),
    };
  }

  async customers(
    runId: string,
    query: { change: SandboxChangeKind; tagId?: string; after?: string; limit: number },
    viewer: Viewer = { bureau: false },
  ) {
    const run = await this.requireRun(runId);
    const scope = run.scope as { tags: string[]; now: string; definitions: { id: string; rule: unknown }[] };
    const { change, limit } = query;
    const tagId = query.tagId ?? scope.tags[0];
    const { evaluator, affected, kinds } = await this.draftCatalog(run);
    if (!affected.has(tagId))
      throw new TagforgeException(
        ErrorCode.NotFound,
        `${tagId} is not a draft of this run nor a tag that reads one`,
      );
    const rows = await this.sandbox.results(
      runId,
      { tagId, change: change as SandboxChange, afterCustomerId: query.after ?? null },
      limit,
    );
    const now = Date.parse(scope.now);
    const definition = scope.definitions.find((draft) => draft.id === tagId);
    const items = [];
    for (const row of rows) {
      const profile = (await this.sandbox.profile(row.customerId)) ?? {};
      const current: Record<string, TagValue> = {};
      for (const tag of await this.tags.current(row.customerId)) current[tag.tagId] = tag.value as TagValue;
      // The tags the rule reads, as the sandbox computed them for this customer.
      const values = evaluator.evaluateCustomer(profile, now, { only: affected, current }).values;
      const rule = definition?.rule ?? (await this.catalogRule(tagId));
      const tagsRead: Record<string, unknown> = {};
      for (const dependency of evaluator.dependencies(tagId).tags) {
        const kind = kinds.get(dependency);
        tagsRead[dependency] =
          values[dependency] ?? (kind === 'boolean' || kind === 'segment' ? false : null);
      }
      const explanation = explain(rule, { ...profile, tags: tagsRead }, now, {
        hiddenPaths: viewer.bureau ? undefined : isBureauPath,
      });
      const shown =
        !viewer.bureau && readsOnlyBureau(tagId, (id) => evaluator.dependencies(id))
          ? { before: REDACTED, after: REDACTED }
          : {};
      items.push({ ...row, ...shown, account: explanation.account, reads: explanation.reads });
    }
    return {
      tagId,
      change,
      items,
      nextCursor:
        rows.length === limit ? SANDBOX_CUSTOMERS_CURSOR.encode(rows[rows.length - 1].customerId) : null,
    };
  }

  async publish(runId: string, actor: Actor) {
    const run = await this.requireRun(runId);
    if (run.status !== 'succeeded') {
      throw new TagforgeException(
        ErrorCode.Conflict,
        `sandbox run ${runId} is ${run.status}; publish it once it has succeeded`,
      );
    }
    const scope = run.scope as { definitions: unknown[] };
    const { drafts } = await this.definitions.createDrafts(scope.definitions, actor);
    return { runId, drafts };
  }

  private async population(population: Population): Promise<string[] | null> {
    if (population === 'all') return null;
    if ('sample' in population) return this.sandbox.sample(population.sample, population.seed);
    return this.sandbox.existing(population.customerIds);
  }

  private async requireRun(runId: string): Promise<EvaluationRunEntity> {
    const run = /^[0-9a-f-]{36}$/.test(runId) ? await this.runs.find(runId) : null;
    if (!run || run.kind !== 'sandbox')
      throw new TagforgeException(ErrorCode.NotFound, `no sandbox run ${runId}`);
    return run;
  }

  private draftCatalog(run: EvaluationRunEntity) {
    const scope = run.scope as { definitions: { id: string; kind: 'boolean'; rule: unknown }[] };
    return this.catalog.withDrafts(run.id, scope.definitions);
  }

  private async catalogRule(tagId: string): Promise<unknown> {
    const { definitions } = await this.catalog.current();
    return definitions.find((definition) => definition.id === tagId)?.rule ?? null;
  }
}

export interface Viewer {
  bureau: boolean;
}

function redactStats(entry: TagSandboxStats): TagSandboxStats {
  const { values, numbers, errors, ...counts } = entry;
  return {
    ...counts,
    ...(values ? { values: { [REDACTED]: Object.values(values).reduce((sum, n) => sum + n, 0) } } : {}),
    ...(numbers ? { numbers: { count: numbers.count, sum: 0, min: null, max: null } } : {}),
    ...(errors ? { errors: { count: errors.count, example: REDACTED } } : {}),
  };
}

function emptyStats(): TagSandboxStats {
  return { set: 0, setBefore: 0, entered: 0, left: 0, changed: 0 };
}
