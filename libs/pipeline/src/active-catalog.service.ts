import { Injectable } from '@nestjs/common';
import { CatalogEvaluator, type TagKind } from '@tagforge/evaluation';
import { TagDefinitionRepository } from '@tagforge/persistence';

export interface ActiveCatalog {
  fingerprint: string;
  evaluator: CatalogEvaluator;
  versions: ReadonlyMap<string, number>;
}

// The compiled active catalog of this process, rebuilt only when the set of active versions
// changes (checked at most once per second).
@Injectable()
export class ActiveCatalogService {
  private cached?: ActiveCatalog;
  private checkedAt = 0;

  constructor(private readonly definitions: TagDefinitionRepository) {}

  async current(): Promise<ActiveCatalog> {
    const now = Date.now();
    if (this.cached && now - this.checkedAt < 1000) return this.cached;
    const fingerprint = await this.definitions.activeFingerprint();
    this.checkedAt = now;
    if (this.cached?.fingerprint === fingerprint) return this.cached;
    const rows = await this.definitions.findActive();
    this.cached = {
      fingerprint,
      evaluator: new CatalogEvaluator(
        rows.map((row) => ({ id: row.tagId, kind: row.kind as TagKind, rule: row.rule })),
      ),
      versions: new Map(rows.map((row) => [row.tagId, row.version])),
    };
    return this.cached;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
