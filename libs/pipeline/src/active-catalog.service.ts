import { Injectable } from '@nestjs/common';
import { CatalogEvaluator, type EvaluableDefinition, type TagKind } from '@tagforge/evaluation';
import { TagDefinitionRepository } from '@tagforge/persistence';
import type { EntityManager } from 'typeorm';

export interface ActiveCatalog {
  fingerprint: string;
  evaluator: CatalogEvaluator;
  versions: ReadonlyMap<string, number>;
  definitions: readonly EvaluableDefinition[];
}

export interface DraftCatalog {
  evaluator: CatalogEvaluator;
  // the drafts' ids and every active tag that reads them, directly or not
  affected: ReadonlySet<string>;
  kinds: ReadonlyMap<string, TagKind>;
}

const DRAFT_CACHE_SIZE = 8;

// The compiled active catalog of this process, rebuilt only when the set of active versions
// changes; and sandbox catalogs: the active one with drafts. The set is read on every call (one
// small query): a run planned right after an activation must evaluate the version it activates.
@Injectable()
export class ActiveCatalogService {
  private cached?: ActiveCatalog;
  private readonly drafts = new Map<string, DraftCatalog>();

  constructor(private readonly definitions: TagDefinitionRepository) {}

  // With a manager: as that transaction sees it (an evaluation reads it after locking its rows).
  async current(manager?: EntityManager): Promise<ActiveCatalog> {
    const fingerprint = await this.definitions.activeFingerprint(manager);
    if (this.cached?.fingerprint === fingerprint) return this.cached;
    const rows = await this.definitions.findActive(manager);
    const definitions = rows.map((row) => ({ id: row.tagId, kind: row.kind as TagKind, rule: row.rule }));
    this.cached = {
      // Of the rows read, in case an activation committed between the two statements.
      fingerprint: rows.map((row) => `${row.tagId}:${row.version}`).join(','),
      evaluator: new CatalogEvaluator(definitions),
      versions: new Map(rows.map((row) => [row.tagId, row.version])),
      definitions,
    };
    return this.cached;
  }

  // The active catalog with drafts replacing or joining its definitions, compiled once per key
  // (a sandbox run's chunks share it).
  async withDrafts(key: string, drafts: readonly EvaluableDefinition[]): Promise<DraftCatalog> {
    const active = await this.current();
    const cacheKey = `${key}:${active.fingerprint}`;
    const hit = this.drafts.get(cacheKey);
    if (hit) return hit;
    const replaced = new Set(drafts.map((draft) => draft.id));
    const merged = [...active.definitions.filter((definition) => !replaced.has(definition.id)), ...drafts];
    const evaluator = new CatalogEvaluator(merged);
    const catalog = {
      evaluator,
      affected: evaluator.withDependents(replaced),
      kinds: new Map(merged.map((definition) => [definition.id, definition.kind])),
    };
    if (this.drafts.size >= DRAFT_CACHE_SIZE) this.drafts.delete(this.drafts.keys().next().value!);
    this.drafts.set(cacheKey, catalog);
    return catalog;
  }

  // The active catalog's fingerprint as a transaction sees it now.
  fingerprint(manager: EntityManager): Promise<string> {
    return this.definitions.activeFingerprint(manager);
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
