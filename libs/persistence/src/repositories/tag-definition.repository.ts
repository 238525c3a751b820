import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { TagDefinitionEntity } from '../entities';

export type NewDefinitionVersion = Omit<
  TagDefinitionEntity,
  'version' | 'status' | 'createdAt' | 'approvedBy' | 'approvedAt' | 'activatedAt' | 'retiredAt'
>;

@Injectable()
export class TagDefinitionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(TagDefinitionEntity);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  findActive(manager?: EntityManager): Promise<TagDefinitionEntity[]> {
    return this.repo(manager).find({ where: { status: 'active' }, order: { tagId: 'ASC' } });
  }

  // A cheap fingerprint of the active catalog, so evaluators reload only when it changed.
  async activeFingerprint(): Promise<string> {
    const rows: { fingerprint: string | null }[] = await this.dataSource.query(
      `SELECT string_agg(tag_id || ':' || version, ',' ORDER BY tag_id) AS fingerprint
         FROM tag_definition WHERE status = 'active'`,
    );
    return rows[0]?.fingerprint ?? '';
  }

  // Serialises definition changes across processes (API instances syncing at start-up).
  async lockDefinitions(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(7420617312)`);
  }

  // Inserts the next version of a tag and makes it the active one (the previous active version
  // is superseded), returning the new version number.
  async activateNewVersion(definition: NewDefinitionVersion, manager: EntityManager): Promise<number> {
    const rows: { next: number }[] = await manager.query(
      `SELECT coalesce(max(version), 0) + 1 AS next FROM tag_definition WHERE tag_id = $1`,
      [definition.tagId],
    );
    const version = rows[0].next;
    await manager.query(
      `UPDATE tag_definition SET status = 'superseded' WHERE tag_id = $1 AND status = 'active'`,
      [definition.tagId],
    );
    await this.repo(manager).insert({
      ...definition,
      version,
      status: 'active',
      activatedAt: () => 'now()',
    } as never);
    return version;
  }
}
