import { join } from 'node:path';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { compare } from 'fast-json-patch';
import { Gauge } from 'prom-client';
import type { EntityManager } from 'typeorm';
import {
  definitionChecksum,
  definitionDrift,
  driftSummary,
  isTagId,
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  runExamples,
  validateCatalog,
  type CatalogProblem,
  type DriftEntry,
  type DriftState,
  type TagDefinition,
  type TagDefinitionFile,
} from '@tagforge/catalog';
import { AppConfig, ErrorCode, TagforgeException } from '@tagforge/common';
import { CatalogEvaluator, type TagKind } from '@tagforge/evaluation';
import {
  AuditLogRepository,
  CustomerTagRepository,
  EvaluationRunRepository,
  ProfileRepository,
  TagDefinitionRepository,
  type DefinitionChangeSetEntity,
  type EvaluationRunEntity,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import { ruleDependencies } from '@tagforge/rules';
import { ActiveCatalogService } from './active-catalog.service';
import { RunService } from './run.service';

// An example of a definition and how it fares against the active catalog (GET /v1/tags/{id}).
export interface ExampleOutcome {
  index: number;
  name: string;
  passed: boolean;
  expected: unknown;
  actual: unknown;
  error?: string;
}

export { definitionChecksum } from '@tagforge/catalog';

export interface Actor {
  keyId: string | null;
  name: string;
}

// A push or an import: activated at once (no maker-checker), or proposed as a change set of drafts.
export interface SyncReport {
  activated: { tagId: string; version: number }[];
  drafts: { tagId: string; version: number }[];
  unchanged: number;
  runId: string | null;
  changeSet: { id: string; status: string } | null;
}

export interface ValidationReport {
  errors: CatalogProblem[];
  warnings: CatalogProblem[];
}

export interface DraftOutcome {
  tagId: string;
  version: number;
  // unchanged: the content equals the active version or the newest draft, so nothing was created
  status: 'created' | 'unchanged';
  matches?: 'active' | 'draft';
}

export interface ActivationOptions {
  // Rule errors in more than this share of the customers evaluated fail the run (default: the setting).
  errorThresholdPercent?: number;
}

export interface DriftReport {
  folder: string;
  summary: Record<DriftState, number>;
  definitions: DriftEntry[];
  folderErrors: number;
}

// A version neither activated nor discarded yet, as the review list shows it.
export interface DraftView {
  tagId: string;
  version: number;
  name: string | null;
  nameZh: string | null;
  kind: string;
  checksum: string;
  createdBy: string;
  createdAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_PREFLIGHT_EXAMPLES = 5;

const driftGauge = new Gauge({
  name: 'tagforge_definitions_drift',
  help: 'Definitions of TAG_DEFINITIONS_DIR against the live catalog, by state (same, changed, only-in-folder, only-live)',
  labelNames: ['state'] as const,
});

// Tag and segment definitions inside the service: versions, validation in the context of the active
// catalog, maker-checker, activation and retirement (each starting one run). The database is the
// source of truth: the definitions folder is imported at start-up only into an empty catalog (or when
// DEFINITIONS_IMPORT=always asks for it); otherwise start-up reports how the folder drifts from it.
@Injectable()
export class DefinitionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DefinitionService.name);
  private profileSchema?: unknown;

  constructor(
    private readonly config: AppConfig,
    private readonly definitions: TagDefinitionRepository,
    private readonly customerTags: CustomerTagRepository,
    private readonly runs: EvaluationRunRepository,
    private readonly profiles: ProfileRepository,
    private readonly audit: AuditLogRepository,
    private readonly runService: RunService,
    private readonly catalog: ActiveCatalogService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const dir = this.config.TAG_DEFINITIONS_DIR;
    if (this.config.DEFINITIONS_IMPORT !== 'never') {
      const report = await this.importFolder(dir, this.config.DEFINITIONS_IMPORT === 'always');
      if (report) {
        this.logger.log(
          `definitions: imported ${dir}: ${report.activated.length} activated, ${report.drafts.length} drafted` +
            (report.changeSet ? ` (change set ${report.changeSet.id} awaits approval)` : '') +
            `, ${report.unchanged} unchanged`,
        );
      }
    }
    const drift = await this.drift();
    const { same, changed } = drift.summary;
    const message =
      `definitions: the live catalog is the source of truth; ${dir} against it: ${same} same, ${changed} changed, ` +
      `${drift.summary['only-in-folder']} only in the folder, ${drift.summary['only-live']} only live`;
    if (drift.definitions.some((entry) => entry.state !== 'same')) this.logger.warn(message);
    else this.logger.log(message);
  }

  // The folder as tagctl validate sees it: the definitions that read, and how many problems it has.
  private readFolder(dir: string): { definitions: TagDefinition[]; errors: CatalogProblem[] } {
    const files = loadDefinitionsFolder(dir);
    const validation = validateCatalog(files, loadJsonFile(join(dir, 'profile.schema.json')));
    return {
      definitions: readDefinitions(files).definitions.map((loaded) => loaded.definition),
      errors: validation.errors,
    };
  }

  // Imports the folder: into an empty catalog always (activated: there is nothing to approve against),
  // into a live one only when asked (`force`), then as a change set under maker-checker. Null when
  // nothing was imported.
  private async importFolder(dir: string, force: boolean): Promise<SyncReport | null> {
    const folder = this.readFolder(dir);
    const actor = { keyId: null, name: `folder ${dir}` };
    const refuse = () => {
      const first = folder.errors.slice(0, 10).map(describeProblem);
      throw new Error(`the definitions in ${dir} do not validate:\n${first.join('\n')}`);
    };
    const first = await this.activateDirectly(folder.definitions, actor, {
      onlyIntoEmptyCatalog: true,
      beforeWriting: () => folder.errors.length > 0 && refuse(),
    });
    if (first) return first;
    if (!force) return null;
    if (folder.errors.length > 0) refuse();
    return this.config.requireApproval
      ? this.propose(folder.definitions, [], actor, 'folder')
      : this.activateDirectly(folder.definitions, actor, {});
  }

  // The folder against the live catalog, per definition: same | changed | only-in-folder | only-live.
  async drift(): Promise<DriftReport> {
    const dir = this.config.TAG_DEFINITIONS_DIR;
    const folder = this.readFolder(dir);
    const live = await this.definitions.findActive();
    const definitions = definitionDrift(
      folder.definitions.map((definition) => ({
        id: definition.id,
        checksum: definitionChecksum(definition),
      })),
      live.map((row) => ({ id: row.tagId, checksum: row.checksum, version: row.version })),
    );
    const summary = driftSummary(definitions);
    for (const [state, count] of Object.entries(summary)) driftGauge.set({ state }, count);
    return { folder: dir, summary, definitions, folderErrors: folder.errors.length };
  }

  // Pushed definitions (tagctl sync): validated together with the active catalog. Without maker-checker
  // every new or changed one becomes active with one run; with it they become drafts in one change set,
  // which a second key approves and which is then activated with one run.
  async syncPushed(contents: unknown[], actor: Actor): Promise<SyncReport> {
    const { definitions } = await this.checkDrafts(contents);
    return this.config.requireApproval
      ? this.propose(definitions, [], actor, 'sync')
      : ((await this.activateDirectly(definitions, actor, {})) as SyncReport);
  }

  // Same checks as `tagctl validate` (examples included), for definitions that would join the active catalog.
  async validateContents(contents: unknown[], manager?: EntityManager): Promise<ValidationReport> {
    const candidates: TagDefinitionFile[] = contents.map((content, index) => ({
      file: fileNameOf(content, index),
      content,
    }));
    const replaced = new Set(candidates.map((candidate) => (candidate.content as { id?: unknown })?.id));
    const active = (await this.definitions.findActive(manager))
      .filter((row) => !replaced.has(row.tagId))
      .map((row) => ({ file: `${row.tagId}.json`, content: toDefinition(row) }));
    const submitted = new Set(candidates.map((candidate) => candidate.file));
    const validation = validateCatalog([...active, ...candidates], this.schema(), {
      examplesOf: (file) => submitted.has(file),
    });
    // Problems of the candidates, and catalog-wide ones they cause (a cycle through an active tag).
    const relevant = (problem: CatalogProblem) => submitted.has(problem.file) || problem.code === 'cycle';
    return { errors: validation.errors.filter(relevant), warnings: validation.warnings.filter(relevant) };
  }

  async createDraft(content: unknown, actor: Actor): Promise<DraftOutcome & { warnings: CatalogProblem[] }> {
    const { drafts, warnings } = await this.createDrafts([content], actor);
    return { ...drafts[0], warnings };
  }

  // Several drafts validated together (a tag and the segment that uses it), saved in one transaction.
  // A definition whose checksum equals the active version's or the newest draft's creates nothing.
  async createDrafts(
    contents: unknown[],
    actor: Actor,
  ): Promise<{ drafts: DraftOutcome[]; warnings: CatalogProblem[] }> {
    const { definitions, warnings } = await this.checkDrafts(contents);
    const drafts = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const outcomes: DraftOutcome[] = [];
      for (const definition of definitions) outcomes.push(await this.draftOf(definition, actor, manager));
      return outcomes;
    });
    return { drafts, warnings };
  }

  private async draftOf(
    definition: TagDefinition,
    actor: Actor,
    manager: EntityManager,
  ): Promise<DraftOutcome> {
    const checksum = definitionChecksum(definition);
    const active = await this.definitions.findActiveVersion(definition.id, manager);
    if (active?.checksum === checksum) {
      return { tagId: definition.id, version: active.version, status: 'unchanged', matches: 'active' };
    }
    const draft = await this.definitions.latestDraft(definition.id, manager);
    if (draft?.checksum === checksum) {
      return { tagId: definition.id, version: draft.version, status: 'unchanged', matches: 'draft' };
    }
    const version = await this.definitions.insertVersion(this.row(definition, actor), 'draft', manager);
    await this.audit.append(
      {
        actorKeyId: actor.keyId,
        actorName: actor.name,
        action: 'definition.draft',
        entity: 'tag_definition',
        entityId: `${definition.id}@${version}`,
        after: definition,
      },
      manager,
    );
    return { tagId: definition.id, version, status: 'created' };
  }

  // Definitions in the file format, validated as drafts joining the active catalog (422 otherwise).
  async checkDrafts(
    contents: unknown[],
  ): Promise<{ definitions: TagDefinition[]; warnings: CatalogProblem[] }> {
    const report = await this.validateContents(contents);
    if (report.errors.length > 0) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        'the definitions do not validate',
        report.errors,
      );
    }
    const files = contents.map((content, index) => ({ file: fileNameOf(content, index), content }));
    return {
      definitions: readDefinitions(files).definitions.map((loaded) => loaded.definition),
      warnings: report.warnings,
    };
  }

  // The checker: a key other than the maker's approves a draft before it may be activated. Checked
  // under the definitions lock, on the row as it is then (a concurrent discard or activation wins).
  async approve(
    tagId: string,
    version: number,
    actor: Actor,
  ): Promise<{ tagId: string; version: number; approvedBy: string }> {
    await this.requireVersion(tagId, version);
    await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const target = await this.lockedVersion(tagId, version, manager);
      if (target.status !== 'draft') {
        throw new TagforgeException(
          ErrorCode.Conflict,
          `${tagId} version ${version} is ${target.status}; only drafts are approved`,
        );
      }
      if (target.approvedBy !== null) {
        throw new TagforgeException(
          ErrorCode.Conflict,
          `${tagId} version ${version} is already approved by ${target.approvedBy}`,
        );
      }
      assertChecker(target.createdByKey, actor, `${tagId} version ${version}`);
      await this.definitions.setApproved(tagId, version, actor, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'definition.approve',
          entity: 'tag_definition',
          entityId: `${tagId}@${version}`,
          before: { approvedBy: null },
          after: { approvedBy: actor.name },
        },
        manager,
      );
    });
    return { tagId, version, approvedBy: actor.name };
  }

  // A draft nobody will activate: kept as history with status discarded.
  async discard(
    tagId: string,
    version: number,
    actor: Actor,
  ): Promise<{ tagId: string; version: number; status: string }> {
    await this.requireVersion(tagId, version);
    await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const target = await this.lockedVersion(tagId, version, manager);
      if (target.status !== 'draft') {
        throw new TagforgeException(
          ErrorCode.Conflict,
          `${tagId} version ${version} is ${target.status}; only drafts are discarded`,
        );
      }
      await this.definitions.setDiscarded(tagId, version, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'definition.discard',
          entity: 'tag_definition',
          entityId: `${tagId}@${version}`,
          before: { status: 'draft' },
          after: { status: 'discarded' },
        },
        manager,
      );
    });
    return { tagId, version, status: 'discarded' };
  }

  async activate(
    tagId: string,
    version: number,
    actor: Actor,
    options: ActivationOptions = {},
  ): Promise<{ tagId: string; version: number; runId: string }> {
    const candidate = await this.requireVersion(tagId, version);
    const threshold = this.threshold(options);
    // Tried on a sample first (outside the lock: it reads profiles); the run checks again as it goes.
    await this.preflight([toDefinition(candidate)], [], threshold);
    const run = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      // Status and approval as they are now, under the lock: of two concurrent activations one wins.
      const target = await this.lockedVersion(tagId, version, manager);
      if (target.status === 'active') {
        throw new TagforgeException(ErrorCode.Conflict, `${tagId} version ${version} is already active`);
      }
      if (target.status === 'discarded') {
        throw new TagforgeException(ErrorCode.Conflict, `${tagId} version ${version} was discarded`);
      }
      // Under maker-checker every activation needs an approved draft, a rollback too: submit the
      // earlier content again as a draft (POST /v1/tags) and have it approved.
      if (this.config.requireApproval && (target.status !== 'draft' || target.approvedByKey === null)) {
        throw new TagforgeException(
          ErrorCode.Conflict,
          target.status === 'draft'
            ? `${tagId} version ${version} needs an approval by a second key before activation (POST .../versions/${version}:approve)`
            : `${tagId} version ${version} is ${target.status}; under maker-checker only an approved draft is activated (submit its content again as a draft to roll back)`,
        );
      }
      await this.assertFits([toDefinition(target)], [], manager);
      const before = await this.definitions.findActiveVersion(tagId, manager);
      await this.definitions.setActive(tagId, version, manager);
      const created = await this.runService.create(
        'activation',
        {
          tags: [tagId],
          activated: { [tagId]: version },
          previous: { [tagId]: before?.version ?? null },
          errorThreshold: threshold,
        },
        actor.name,
        manager,
      );
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'definition.activate',
          entity: 'tag_definition',
          entityId: `${tagId}@${version}`,
          before: before ? { version: before.version } : null,
          after: { version, runId: created.id },
        },
        manager,
      );
      return created;
    });
    this.catalog.invalidate();
    await this.runService.launch(run.id);
    return { tagId, version, runId: run.id };
  }

  private assertTagId(tagId: string): void {
    if (!isTagId(tagId))
      throw new TagforgeException(ErrorCode.InvalidId, 'a tag id is snake_case, 1-64 characters');
  }

  // Without maker-checker: retired at once with a run removing it from every customer. With it: a
  // change set holding the retirement, which a second key approves before it is activated.
  async retire(
    tagId: string,
    actor: Actor,
  ): Promise<
    | { tagId: string; version: number; runId: string }
    | { tagId: string; changeSet: { id: string; status: string } }
  > {
    this.assertTagId(tagId);
    if (this.config.requireApproval) {
      const report = await this.propose([], [tagId], actor, 'retire');
      return { tagId, changeSet: report.changeSet! };
    }
    const run = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const active = await this.requireRetirable(tagId, [], manager);
      await this.definitions.setRetired(tagId, active.version, manager);
      const created = await this.runService.create(
        'retirement',
        { tags: [], retire: [tagId], retired: { [tagId]: active.version } },
        actor.name,
        manager,
      );
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'definition.retire',
          entity: 'tag_definition',
          entityId: `${tagId}@${active.version}`,
          before: { version: active.version, status: 'active' },
          after: { status: 'retired', runId: created.id },
        },
        manager,
      );
      return { run: created, version: active.version };
    });
    this.catalog.invalidate();
    await this.runService.launch(run.run.id);
    return { tagId, version: run.version, runId: run.run.id };
  }

  private async requireRetirable(
    tagId: string,
    alsoRetired: readonly string[],
    manager: EntityManager,
  ): Promise<TagDefinitionEntity> {
    const active = await this.definitions.findActiveVersion(tagId, manager);
    if (!active) throw new TagforgeException(ErrorCode.NotFound, `${tagId} has no active version`);
    const dependents = (await this.definitions.findActive(manager))
      .filter((row) => row.dependsOnTags.includes(tagId) && !alsoRetired.includes(row.tagId))
      .map((row) => row.tagId);
    if (dependents.length > 0) {
      throw new TagforgeException(
        ErrorCode.Conflict,
        `${tagId} is read by active definitions; retire or change them first: ${dependents.join(', ')}`,
        { dependents },
      );
    }
    return active;
  }

  // Maker-checker for many changes at once: drafts (reusing a draft with the same content) and
  // retirements in one change set. Nothing active changes here.
  private async propose(
    definitions: readonly TagDefinition[],
    retire: readonly string[],
    actor: Actor,
    source: 'sync' | 'folder' | 'retire',
  ): Promise<SyncReport> {
    return this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const drafts: { tagId: string; version: number }[] = [];
      let unchanged = 0;
      for (const definition of definitions) {
        const outcome = await this.draftOf(definition, actor, manager);
        if (outcome.matches === 'active') unchanged += 1;
        else drafts.push({ tagId: outcome.tagId, version: outcome.version });
      }
      for (const tagId of retire) await this.requireRetirable(tagId, retire, manager);
      if (drafts.length === 0 && retire.length === 0) {
        return { activated: [], drafts, unchanged, runId: null, changeSet: null };
      }
      const open = await this.definitions.findOpenChangeSet(drafts, retire, manager);
      const changeSet =
        open ??
        (await this.definitions.createChangeSet(
          { source, versions: drafts, retire: [...retire], createdBy: actor.name, createdByKey: actor.keyId },
          manager,
        ));
      if (!open) {
        await this.audit.append(
          {
            actorKeyId: actor.keyId,
            actorName: actor.name,
            action: 'changeset.create',
            entity: 'definition_change_set',
            entityId: changeSet.id,
            after: { source, versions: drafts, retire },
          },
          manager,
        );
      }
      return {
        activated: [],
        drafts,
        unchanged,
        runId: null,
        changeSet: { id: changeSet.id, status: changeSet.status },
      };
    });
  }

  async listChangeSets(): Promise<{ items: ReturnType<typeof changeSetView>[] }> {
    return { items: (await this.definitions.listChangeSets(100)).map(changeSetView) };
  }

  async getChangeSet(id: string): Promise<ReturnType<typeof changeSetView>> {
    return changeSetView(await this.requireChangeSet(id));
  }

  async approveChangeSet(id: string, actor: Actor): Promise<ReturnType<typeof changeSetView>> {
    await this.requireChangeSet(id);
    return this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const changeSet = (await this.definitions.findChangeSet(id, manager))!;
      if (changeSet.status !== 'pending') {
        throw new TagforgeException(
          ErrorCode.Conflict,
          `change set ${id} is ${changeSet.status}; only a pending one is approved`,
        );
      }
      assertChecker(changeSet.createdByKey, actor, `change set ${id}`);
      await this.definitions.setChangeSetStatus(id, { status: 'approved', approver: actor }, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'changeset.approve',
          entity: 'definition_change_set',
          entityId: id,
          before: { status: 'pending' },
          after: { status: 'approved', approvedBy: actor.name },
        },
        manager,
      );
      return changeSetView((await this.definitions.findChangeSet(id, manager))!);
    });
  }

  async discardChangeSet(id: string, actor: Actor): Promise<ReturnType<typeof changeSetView>> {
    await this.requireChangeSet(id);
    return this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const changeSet = (await this.definitions.findChangeSet(id, manager))!;
      if (changeSet.status !== 'pending' && changeSet.status !== 'approved') {
        throw new TagforgeException(ErrorCode.Conflict, `change set ${id} is ${changeSet.status}`);
      }
      await this.definitions.setChangeSetStatus(id, { status: 'discarded' }, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'changeset.discard',
          entity: 'definition_change_set',
          entityId: id,
          before: { status: changeSet.status },
          after: { status: 'discarded' },
        },
        manager,
      );
      return changeSetView((await this.definitions.findChangeSet(id, manager))!);
    });
  }

  // Every draft of an approved change set becomes active and its retirements happen, with one run.
  async activateChangeSet(
    id: string,
    actor: Actor,
    options: ActivationOptions = {},
  ): Promise<{
    changeSetId: string;
    runId: string;
    activated: { tagId: string; version: number }[];
    retired: string[];
  }> {
    const proposed = await this.requireChangeSet(id);
    const threshold = this.threshold(options);
    const rows = await Promise.all(
      proposed.versions.map((item) => this.requireVersion(item.tagId, item.version)),
    );
    await this.preflight(rows.map(toDefinition), proposed.retire, threshold);
    const run = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const changeSet = (await this.definitions.findChangeSet(id, manager))!;
      if (changeSet.status !== 'approved') {
        throw new TagforgeException(
          ErrorCode.Conflict,
          changeSet.status === 'pending'
            ? `change set ${id} needs an approval by a second key before activation (POST /v1/changesets/${id}:approve)`
            : `change set ${id} is ${changeSet.status}`,
        );
      }
      const targets: TagDefinitionEntity[] = [];
      for (const item of changeSet.versions) {
        const target = await this.lockedVersion(item.tagId, item.version, manager);
        if (target.status !== 'draft') {
          throw new TagforgeException(
            ErrorCode.Conflict,
            `${item.tagId} version ${item.version} is ${target.status} now; discard change set ${id} and propose again`,
          );
        }
        targets.push(target);
      }
      const retired: Record<string, number> = {};
      for (const tagId of changeSet.retire) {
        retired[tagId] = (await this.requireRetirable(tagId, changeSet.retire, manager)).version;
      }
      await this.assertFits(targets.map(toDefinition), changeSet.retire, manager);
      const previous: Record<string, number | null> = {};
      const activated: Record<string, number> = {};
      for (const target of targets) {
        previous[target.tagId] =
          (await this.definitions.findActiveVersion(target.tagId, manager))?.version ?? null;
        await this.definitions.setActive(target.tagId, target.version, manager);
        activated[target.tagId] = target.version;
      }
      for (const [tagId, version] of Object.entries(retired)) {
        await this.definitions.setRetired(tagId, version, manager);
      }
      const created = await this.runService.create(
        'activation',
        {
          tags: Object.keys(activated),
          retire: changeSet.retire,
          activated,
          previous,
          retired,
          changeSetId: id,
          errorThreshold: threshold,
        },
        actor.name,
        manager,
      );
      await this.definitions.setChangeSetStatus(id, { status: 'activated', runId: created.id }, manager);
      // One row per definition as well, as every other path writes them: what was active when
      // (asOf answers) is read from these.
      for (const [tagId, version] of Object.entries(activated)) {
        await this.audit.append(
          {
            actorKeyId: actor.keyId,
            actorName: actor.name,
            action: 'definition.activate',
            entity: 'tag_definition',
            entityId: `${tagId}@${version}`,
            before: previous[tagId] === null ? null : { version: previous[tagId] },
            after: { version, runId: created.id, changeSetId: id },
          },
          manager,
        );
      }
      for (const [tagId, version] of Object.entries(retired)) {
        await this.audit.append(
          {
            actorKeyId: actor.keyId,
            actorName: actor.name,
            action: 'definition.retire',
            entity: 'tag_definition',
            entityId: `${tagId}@${version}`,
            before: { version, status: 'active' },
            after: { status: 'retired', runId: created.id, changeSetId: id },
          },
          manager,
        );
      }
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'changeset.activate',
          entity: 'definition_change_set',
          entityId: id,
          before: { previous },
          after: { activated, retired: changeSet.retire, runId: created.id },
        },
        manager,
      );
      return { created, activated, retire: changeSet.retire };
    });
    this.catalog.invalidate();
    await this.runService.launch(run.created.id);
    return {
      changeSetId: id,
      runId: run.created.id,
      activated: Object.entries(run.activated).map(([tagId, version]) => ({ tagId, version })),
      retired: run.retire,
    };
  }

  // The catalog after the change must still validate (a draft may no longer fit what is active now).
  private async assertFits(
    incoming: readonly TagDefinition[],
    retired: readonly string[],
    manager: EntityManager,
  ): Promise<void> {
    if (incoming.length === 0 && retired.length === 0) return;
    const report = await this.validateContents([...incoming], manager);
    if (report.errors.length > 0) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `${incoming.map((definition) => definition.id).join(', ')} does not fit the active catalog`,
        report.errors,
      );
    }
  }

  private threshold(options: ActivationOptions): number {
    return (options.errorThresholdPercent ?? this.config.RUN_ERROR_THRESHOLD_PERCENT) / 100;
  }

  // An activation tried on a sample of customers before anything changes: refused (422) when its rules
  // fail for more than the threshold's share of them, so a rule that breaks every customer never starts.
  private async preflight(
    incoming: readonly TagDefinition[],
    retired: readonly string[],
    threshold: number,
  ): Promise<void> {
    const size = this.config.RUN_PREFLIGHT_SAMPLE;
    if (size === 0 || incoming.length === 0) return;
    const { definitions } = await this.catalog.current();
    const replaced = new Set([...incoming.map((definition) => definition.id), ...retired]);
    let evaluator: CatalogEvaluator;
    try {
      evaluator = new CatalogEvaluator([
        ...definitions.filter((definition) => !replaced.has(definition.id)),
        ...incoming.map((definition) => ({
          id: definition.id,
          kind: definition.kind as TagKind,
          rule: definition.rule,
        })),
      ]);
    } catch (error) {
      // The lock's validation answers with the precise problems.
      this.logger.debug(`preflight skipped: ${(error as Error).message}`);
      return;
    }
    const changed = evaluator.withDependents(incoming.map((definition) => definition.id));
    const sample = await this.profiles.sample(size);
    const now = Date.now();
    let failed = 0;
    const examples: { customerId: string; tagId: string; message: string }[] = [];
    for (const { customerId, profile } of sample) {
      const errors = evaluator.evaluateCustomer(profile, now, { only: changed }).errors;
      if (errors.length === 0) continue;
      failed += 1;
      if (examples.length < MAX_PREFLIGHT_EXAMPLES) examples.push({ customerId, ...errors[0] });
    }
    if (sample.length > 0 && failed / sample.length > threshold) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `the rules fail for ${failed} of ${sample.length} sampled customers (${((failed / sample.length) * 100).toFixed(1)} %), above the ${(threshold * 100).toFixed(2)} % threshold; nothing was activated`,
        { sampled: sample.length, failed, thresholdPercent: threshold * 100, examples },
      );
    }
  }

  // What a checker reviews: this version against the active one (or the one before it), as the
  // two documents and an RFC 6902 patch between them.
  async diff(tagId: string, version: number) {
    const target = await this.requireVersion(tagId, version);
    const versions = await this.definitions.findVersions(tagId);
    const base =
      versions.find((row) => row.status === 'active' && row.version !== version) ??
      [...versions].reverse().find((row) => row.version < version) ??
      null;
    const document = (row: TagDefinitionEntity) => ({
      kind: row.kind,
      purpose: row.purpose,
      rule: row.rule,
      meta: row.meta,
    });
    return {
      tagId,
      version,
      status: target.status,
      createdBy: target.createdBy,
      approvedBy: target.approvedBy,
      against: base ? { version: base.version, status: base.status } : null,
      before: base ? document(base) : null,
      after: document(target),
      changes: compare(base ? document(base) : {}, document(target)),
    };
  }

  async list(): Promise<Record<string, unknown>[]> {
    return (await this.definitions.findActive()).map((row) => ({
      id: row.tagId,
      version: row.version,
      kind: row.kind,
      purpose: row.purpose,
      category: row.meta.category,
      name: row.meta.name,
      nameZh: row.meta.nameZh,
      owner: row.meta.owner,
      description: row.meta.description,
      dependsOnTags: row.dependsOnTags,
      checksum: row.checksum,
      activatedAt: row.activatedAt,
    }));
  }

  // The drafts a checker reviews across every tag, with the approval state GET /v1/tags/{id} shows.
  async listDrafts(): Promise<{ items: DraftView[] }> {
    const drafts = await this.definitions.findDrafts();
    return {
      items: drafts.map((row) => ({
        tagId: row.tagId,
        version: row.version,
        name: typeof row.meta.name === 'string' ? row.meta.name : null,
        nameZh: typeof row.meta.nameZh === 'string' ? row.meta.nameZh : null,
        kind: row.kind,
        checksum: row.checksum,
        createdBy: row.createdBy,
        createdAt: row.createdAt,
        approvedBy: row.approvedBy,
        approvedAt: row.approvedAt,
      })),
    };
  }

  async get(tagId: string): Promise<Record<string, unknown>> {
    this.assertTagId(tagId);
    const versions = await this.definitions.findVersions(tagId);
    if (versions.length === 0) throw new TagforgeException(ErrorCode.NotFound, `no tag ${tagId}`);
    const active = versions.find((row) => row.status === 'active') ?? null;
    const lastRun: EvaluationRunEntity | null = active ? await this.runs.latestForTag(tagId) : null;
    const errors =
      (lastRun?.ruleErrors as Record<string, { count: number }> | undefined)?.[tagId]?.count ?? 0;
    return {
      id: tagId,
      active: active
        ? { ...toDefinition(active), version: active.version, activatedAt: active.activatedAt }
        : null,
      examples: active ? await this.activeExamples(tagId) : [],
      versions: versions.map((row) => ({
        version: row.version,
        status: row.status,
        checksum: row.checksum,
        createdBy: row.createdBy,
        createdAt: row.createdAt,
        approvedBy: row.approvedBy,
        activatedAt: row.activatedAt,
        retiredAt: row.retiredAt,
      })),
      customers: await this.customerTags.countCarrying(tagId),
      errorCount: errors,
      lastRunId: lastRun?.id ?? null,
    };
  }

  // The active version's examples, run as tagctl test runs them against the active catalog now: a
  // change to a tag it reads can make an example that passed at approval fail today.
  private async activeExamples(tagId: string): Promise<ExampleOutcome[]> {
    const files = (await this.definitions.findActive()).map((row) => ({
      file: `${row.tagId}.json`,
      content: toDefinition(row),
    }));
    return runExamples(files, this.schema(), (file) => file === `${tagId}.json`).map((result) => ({
      index: result.index,
      name: result.name,
      passed: result.passed,
      expected: result.expected,
      actual: result.actual,
      ...(result.error === undefined ? {} : { error: result.error }),
    }));
  }

  // Every new or changed definition becomes the active version, with one run that backfills them all.
  // With `onlyIntoEmptyCatalog`, only when the catalog has never held a definition (checked under the
  // lock, so two API processes starting together import once); null otherwise.
  private async activateDirectly(
    definitions: readonly TagDefinition[],
    actor: Actor,
    options: { onlyIntoEmptyCatalog?: boolean; beforeWriting?: () => unknown },
  ): Promise<SyncReport | null> {
    const result = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      if (options.onlyIntoEmptyCatalog && !(await this.definitions.isEmpty(manager))) return null;
      options.beforeWriting?.();
      const source = options.onlyIntoEmptyCatalog ? 'first-import' : 'sync';
      const active = new Map((await this.definitions.findActive(manager)).map((row) => [row.tagId, row]));
      const activated: SyncReport['activated'] = [];
      for (const definition of definitions) {
        if (active.get(definition.id)?.checksum === definitionChecksum(definition)) continue;
        const version = await this.definitions.insertVersion(this.row(definition, actor), 'active', manager);
        activated.push({ tagId: definition.id, version });
        await this.audit.append(
          {
            actorKeyId: actor.keyId,
            actorName: actor.name,
            action: 'definition.activate',
            entity: 'tag_definition',
            entityId: `${definition.id}@${version}`,
            before: active.has(definition.id) ? { version: active.get(definition.id)!.version } : null,
            after: { version, source },
          },
          manager,
        );
      }
      const run =
        activated.length > 0
          ? await this.runService.create(
              'activation',
              {
                tags: activated.map((entry) => entry.tagId),
                activated: Object.fromEntries(activated.map((entry) => [entry.tagId, entry.version])),
                previous: Object.fromEntries(
                  activated.map((entry) => [entry.tagId, active.get(entry.tagId)?.version ?? null]),
                ),
                errorThreshold: this.threshold({}),
              },
              actor.name,
              manager,
            )
          : null;
      return {
        activated,
        drafts: [],
        unchanged: definitions.length - activated.length,
        runId: run?.id ?? null,
        changeSet: null,
      };
    });
    if (result?.runId) {
      this.catalog.invalidate();
      await this.runService.launch(result.runId);
    }
    return result;
  }

  private row(definition: TagDefinition, actor: Actor) {
    const dependencies = ruleDependencies(definition.rule);
    const { id, kind, purpose, rule, ...meta } = definition;
    return {
      tagId: id,
      kind,
      purpose,
      rule,
      meta,
      dependsOnPaths: dependencies.paths,
      dependsOnTags: dependencies.tags,
      timeDependent: dependencies.readsNow,
      checksum: definitionChecksum(definition),
      createdBy: actor.name,
      createdByKey: actor.keyId,
    };
  }

  private async requireVersion(tagId: string, version: number): Promise<TagDefinitionEntity> {
    if (!isTagId(tagId))
      throw new TagforgeException(ErrorCode.InvalidId, 'a tag id is snake_case, 1-64 characters');
    const row = (await this.definitions.findVersions(tagId)).find(
      (candidate) => candidate.version === version,
    );
    if (!row) throw new TagforgeException(ErrorCode.NotFound, `no version ${version} of ${tagId}`);
    return row;
  }

  private async lockedVersion(
    tagId: string,
    version: number,
    manager: EntityManager,
  ): Promise<TagDefinitionEntity> {
    const row = await this.definitions.findVersionForUpdate(tagId, version, manager);
    if (!row) throw new TagforgeException(ErrorCode.NotFound, `no version ${version} of ${tagId}`);
    return row;
  }

  private async requireChangeSet(id: string): Promise<DefinitionChangeSetEntity> {
    const changeSet = UUID.test(id) ? await this.definitions.findChangeSet(id) : null;
    if (!changeSet) throw new TagforgeException(ErrorCode.NotFound, `no change set ${id}`);
    return changeSet;
  }

  private schema(): unknown {
    this.profileSchema ??= loadJsonFile(join(this.config.TAG_DEFINITIONS_DIR, 'profile.schema.json'));
    return this.profileSchema;
  }
}

// Maker-checker compares keys: the checker's must differ from the maker's (a change made by no key,
// such as the folder imported at start-up, is approved by any key).
function assertChecker(makerKey: string | null, actor: Actor, what: string): void {
  if (makerKey !== null && makerKey === actor.keyId) {
    throw new TagforgeException(
      ErrorCode.Forbidden,
      `${what} was created with this key; a different key must approve it (maker-checker)`,
    );
  }
}

function changeSetView(changeSet: DefinitionChangeSetEntity) {
  return {
    id: changeSet.id,
    status: changeSet.status,
    source: changeSet.source,
    versions: changeSet.versions,
    retire: changeSet.retire,
    createdBy: changeSet.createdBy,
    createdAt: changeSet.createdAt,
    approvedBy: changeSet.approvedBy,
    approvedAt: changeSet.approvedAt,
    finishedAt: changeSet.finishedAt,
    runId: changeSet.runId,
  };
}

function toDefinition(row: TagDefinitionEntity): TagDefinition {
  return {
    id: row.tagId,
    kind: row.kind,
    purpose: row.purpose,
    rule: row.rule,
    ...row.meta,
  } as TagDefinition;
}

function fileNameOf(content: unknown, index: number): string {
  const id = (content as { id?: unknown } | null)?.id;
  return isTagId(id) ? `${id}.json` : `definition-${index + 1}.json`;
}

function describeProblem(problem: CatalogProblem): string {
  return `${problem.file} ${problem.pointer} ${problem.code}: ${problem.message}`;
}
