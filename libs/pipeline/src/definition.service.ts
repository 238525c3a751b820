import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { compare } from 'fast-json-patch';
import stableStringify from 'fast-json-stable-stringify';
import {
  isTagId,
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  validateCatalog,
  type CatalogProblem,
  type TagDefinition,
  type TagDefinitionFile,
} from '@tagforge/catalog';
import { AppConfig, ErrorCode, TagforgeException } from '@tagforge/common';
import {
  AuditLogRepository,
  CustomerTagRepository,
  EvaluationRunRepository,
  TagDefinitionRepository,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import { ruleDependencies } from '@tagforge/rules';
import { ActiveCatalogService } from './active-catalog.service';
import { RunService } from './run.service';

export interface Actor {
  keyId: string | null;
  name: string;
}

export interface SyncReport {
  activated: { tagId: string; version: number }[];
  unchanged: number;
  runId: string | null;
}

export interface ValidationReport {
  errors: CatalogProblem[];
  warnings: CatalogProblem[];
}

export function definitionChecksum(definition: TagDefinition): string {
  return createHash('sha256').update(stableStringify(definition)).digest('hex');
}

// Tag and segment definitions inside the service: versions, validation in the context of the active
// catalog, activation and retirement (each starting a run), and the definitions folder, which is
// reviewed in git and so becomes active at once when a file is new or changed.
@Injectable()
export class DefinitionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DefinitionService.name);
  private profileSchema?: unknown;

  constructor(
    private readonly config: AppConfig,
    private readonly definitions: TagDefinitionRepository,
    private readonly customerTags: CustomerTagRepository,
    private readonly runs: EvaluationRunRepository,
    private readonly audit: AuditLogRepository,
    private readonly runService: RunService,
    private readonly catalog: ActiveCatalogService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const report = await this.syncFolder(this.config.TAG_DEFINITIONS_DIR);
    this.logger.log(
      `definitions: ${report.activated.length} activated, ${report.unchanged} unchanged (${this.config.TAG_DEFINITIONS_DIR})`,
    );
  }

  async syncFolder(dir: string): Promise<SyncReport> {
    const files = loadDefinitionsFolder(dir);
    const validation = validateCatalog(files, loadJsonFile(join(dir, 'profile.schema.json')));
    if (validation.errors.length > 0) {
      const first = validation.errors.slice(0, 10).map(describeProblem);
      throw new Error(`the definitions in ${dir} do not validate:\n${first.join('\n')}`);
    }
    const definitions = readDefinitions(files).definitions.map((loaded) => loaded.definition);
    return this.sync(definitions, { keyId: null, name: `folder ${dir}` });
  }

  // Pushed definitions (tagctl sync): validated together with the active catalog, then every new or
  // changed one becomes the active version, with one run that backfills them all.
  async syncPushed(contents: unknown[], actor: Actor): Promise<SyncReport> {
    return this.sync((await this.checkDrafts(contents)).definitions, actor);
  }

  // Same checks as `tagctl validate`, for definitions that would join the active catalog.
  async validateContents(contents: unknown[]): Promise<ValidationReport> {
    const candidates: TagDefinitionFile[] = contents.map((content, index) => ({
      file: fileNameOf(content, index),
      content,
    }));
    const replaced = new Set(candidates.map((candidate) => (candidate.content as { id?: unknown })?.id));
    const active = (await this.definitions.findActive())
      .filter((row) => !replaced.has(row.tagId))
      .map((row) => ({ file: `${row.tagId}.json`, content: toDefinition(row) }));
    const validation = validateCatalog([...active, ...candidates], this.schema());
    const submitted = new Set(candidates.map((candidate) => candidate.file));
    // Problems of the candidates, and catalog-wide ones they cause (a cycle through an active tag).
    const relevant = (problem: CatalogProblem) => submitted.has(problem.file) || problem.code === 'cycle';
    return { errors: validation.errors.filter(relevant), warnings: validation.warnings.filter(relevant) };
  }

  async createDraft(
    content: unknown,
    actor: Actor,
  ): Promise<{ tagId: string; version: number; warnings: CatalogProblem[] }> {
    const { drafts, warnings } = await this.createDrafts([content], actor);
    return { ...drafts[0], warnings };
  }

  // Several drafts validated together (a tag and the segment that uses it), saved in one transaction.
  async createDrafts(
    contents: unknown[],
    actor: Actor,
  ): Promise<{ drafts: { tagId: string; version: number }[]; warnings: CatalogProblem[] }> {
    const { definitions, warnings } = await this.checkDrafts(contents);
    const drafts = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const created: { tagId: string; version: number }[] = [];
      for (const definition of definitions) {
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
        created.push({ tagId: definition.id, version });
      }
      return created;
    });
    return { drafts, warnings };
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

  // The checker: a key other than the maker's approves a draft before it may be activated.
  async approve(
    tagId: string,
    version: number,
    actor: Actor,
  ): Promise<{ tagId: string; version: number; approvedBy: string }> {
    const target = await this.requireVersion(tagId, version);
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
    if (target.createdByKey !== null && target.createdByKey === actor.keyId) {
      throw new TagforgeException(
        ErrorCode.Forbidden,
        `${tagId} version ${version} was created with this key; a different key must approve it (maker-checker)`,
      );
    }
    await this.definitions.transaction(async (manager) => {
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

  async activate(
    tagId: string,
    version: number,
    actor: Actor,
  ): Promise<{ tagId: string; version: number; runId: string }> {
    const target = await this.requireVersion(tagId, version);
    if (target.status === 'active') {
      throw new TagforgeException(ErrorCode.Conflict, `${tagId} version ${version} is already active`);
    }
    // A version that was active before (a rollback) was accepted then; a new one needs its checker.
    if (this.config.requireApproval && target.approvedByKey === null && target.activatedAt === null) {
      throw new TagforgeException(
        ErrorCode.Conflict,
        `${tagId} version ${version} needs an approval by a second key before activation (POST .../versions/${version}:approve)`,
      );
    }
    const report = await this.validateContents([toDefinition(target)]);
    if (report.errors.length > 0) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `${tagId} version ${version} does not fit the active catalog`,
        report.errors,
      );
    }
    const run = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const before = await this.definitions.findActiveVersion(tagId, manager);
      await this.definitions.setActive(tagId, version, manager);
      const created = await this.runService.create('activation', { tags: [tagId] }, actor.name, manager);
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

  async retire(tagId: string, actor: Actor): Promise<{ tagId: string; version: number; runId: string }> {
    this.assertTagId(tagId);
    const run = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
      const active = await this.definitions.findActiveVersion(tagId, manager);
      if (!active) throw new TagforgeException(ErrorCode.NotFound, `${tagId} has no active version`);
      const dependents = (await this.definitions.findActive(manager))
        .filter((row) => row.dependsOnTags.includes(tagId))
        .map((row) => row.tagId);
      if (dependents.length > 0) {
        throw new TagforgeException(
          ErrorCode.Conflict,
          `${tagId} is read by active definitions; retire or change them first: ${dependents.join(', ')}`,
          { dependents },
        );
      }
      await this.definitions.setRetired(tagId, active.version, manager);
      const created = await this.runService.create(
        'retirement',
        { tags: [], retire: [tagId] },
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
      description: row.meta.description,
      activatedAt: row.activatedAt,
    }));
  }

  async get(tagId: string): Promise<Record<string, unknown>> {
    this.assertTagId(tagId);
    const versions = await this.definitions.findVersions(tagId);
    if (versions.length === 0) throw new TagforgeException(ErrorCode.NotFound, `no tag ${tagId}`);
    const active = versions.find((row) => row.status === 'active') ?? null;
    const lastRun = active ? await this.runs.latestForTag(tagId) : null;
    const errors =
      (lastRun?.ruleErrors as Record<string, { count: number }> | undefined)?.[tagId]?.count ?? 0;
    return {
      id: tagId,
      active: active
        ? { ...toDefinition(active), version: active.version, activatedAt: active.activatedAt }
        : null,
      versions: versions.map((row) => ({
        version: row.version,
        status: row.status,
        checksum: row.checksum,
        createdBy: row.createdBy,
        createdAt: row.createdAt,
        activatedAt: row.activatedAt,
        retiredAt: row.retiredAt,
      })),
      customers: await this.customerTags.countCarrying(tagId),
      errorCount: errors,
      lastRunId: lastRun?.id ?? null,
    };
  }

  private async sync(definitions: readonly TagDefinition[], actor: Actor): Promise<SyncReport> {
    const result = await this.definitions.transaction(async (manager) => {
      await this.definitions.lockDefinitions(manager);
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
            after: { version, source: 'sync' },
          },
          manager,
        );
      }
      const run =
        activated.length > 0
          ? await this.runService.create(
              'activation',
              { tags: activated.map((entry) => entry.tagId) },
              actor.name,
              manager,
            )
          : null;
      return { activated, unchanged: definitions.length - activated.length, runId: run?.id ?? null };
    });
    if (result.runId) {
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

  private schema(): unknown {
    this.profileSchema ??= loadJsonFile(join(this.config.TAG_DEFINITIONS_DIR, 'profile.schema.json'));
    return this.profileSchema;
  }
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
