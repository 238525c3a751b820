import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import stableStringify from 'fast-json-stable-stringify';
import {
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  validateCatalog,
  type TagDefinition,
} from '@tagforge/catalog';
import { AppConfig } from '@tagforge/common';
import { TagDefinitionRepository } from '@tagforge/persistence';
import { ruleDependencies } from '@tagforge/rules';
import { ActiveCatalogService } from './active-catalog.service';

export interface SyncReport {
  activated: { tagId: string; version: number }[];
  unchanged: number;
}

export function definitionChecksum(definition: TagDefinition): string {
  return createHash('sha256').update(stableStringify(definition)).digest('hex');
}

// The definitions folder is reviewed in git, so a new or changed file becomes the active version
// at once; an unchanged file (same checksum) changes nothing. Several API processes may start
// together: the advisory lock makes them take turns, and the checksum makes the later ones no-ops.
@Injectable()
export class DefinitionSyncService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DefinitionSyncService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repository: TagDefinitionRepository,
    private readonly catalog: ActiveCatalogService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const report = await this.syncFolder(this.config.TAG_DEFINITIONS_DIR, 'folder');
    this.logger.log(
      `definitions: ${report.activated.length} activated, ${report.unchanged} unchanged (${this.config.TAG_DEFINITIONS_DIR})`,
    );
  }

  async syncFolder(dir: string, createdBy: string): Promise<SyncReport> {
    const files = loadDefinitionsFolder(join(dir));
    const validation = validateCatalog(files, loadJsonFile(join(dir, 'profile.schema.json')));
    if (validation.errors.length > 0) {
      const first = validation.errors
        .slice(0, 10)
        .map((problem) => `${problem.file} ${problem.pointer} ${problem.code}: ${problem.message}`);
      throw new Error(`the definitions in ${dir} do not validate:\n${first.join('\n')}`);
    }
    return this.syncDefinitions(
      readDefinitions(files).definitions.map((loaded) => loaded.definition),
      createdBy,
    );
  }

  async syncDefinitions(definitions: readonly TagDefinition[], createdBy: string): Promise<SyncReport> {
    const report = await this.repository.transaction(async (manager) => {
      await this.repository.lockDefinitions(manager);
      const active = new Map((await this.repository.findActive(manager)).map((row) => [row.tagId, row]));
      const activated: SyncReport['activated'] = [];
      for (const definition of definitions) {
        const checksum = definitionChecksum(definition);
        if (active.get(definition.id)?.checksum === checksum) continue;
        const dependencies = ruleDependencies(definition.rule);
        const { id, kind, purpose, rule, ...meta } = definition;
        const version = await this.repository.activateNewVersion(
          {
            tagId: id,
            kind,
            purpose,
            rule,
            meta,
            dependsOnPaths: dependencies.paths,
            dependsOnTags: dependencies.tags,
            timeDependent: dependencies.readsNow,
            checksum,
            createdBy,
          },
          manager,
        );
        activated.push({ tagId: id, version });
      }
      return { activated, unchanged: definitions.length - activated.length };
    });
    if (report.activated.length > 0) this.catalog.invalidate();
    return report;
  }
}
