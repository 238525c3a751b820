import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import {
  DefinitionChangeSetEntity,
  TagDefinitionEntity,
  type ChangeSetSource,
  type ChangeSetStatus,
} from '../entities';
import { queryPrepared, type PreparedStatement } from '../prepared-statement';

export type NewDefinitionVersion = Omit<
  TagDefinitionEntity,
  | 'version'
  | 'status'
  | 'createdAt'
  | 'approvedBy'
  | 'approvedByKey'
  | 'approvedAt'
  | 'activatedAt'
  | 'retiredAt'
>;

// Read by every evaluation, after its profile lock.
const ACTIVE_FINGERPRINT: PreparedStatement = {
  name: 'active-catalog-fingerprint',
  text: `SELECT string_agg(tag_id || ':' || version, ',' ORDER BY tag_id) AS fingerprint
           FROM tag_definition WHERE status = 'active'`,
};

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

  // A cheap fingerprint of the active catalog, so evaluators reload only when it changed; read inside a
  // transaction (after its row locks) it tells whether an activation committed meanwhile.
  async activeFingerprint(manager?: EntityManager): Promise<string> {
    const { rows } = await queryPrepared<{ fingerprint: string | null }>(
      manager ?? this.dataSource.manager,
      ACTIVE_FINGERPRINT,
      [],
    );
    return rows[0]?.fingerprint ?? '';
  }

  // Serialises definition changes across processes (API instances syncing at start-up).
  async lockDefinitions(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(7420617312)`);
  }

  // Any row at all (a retired or discarded version too): the folder is imported at start-up only into
  // a catalog that has never held a definition.
  async isEmpty(manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM tag_definition LIMIT 1`);
    return rows.length === 0;
  }

  // One version, locked for the caller's transaction (re-checked under the definitions lock).
  async findVersionForUpdate(
    tagId: string,
    version: number,
    manager: EntityManager,
  ): Promise<TagDefinitionEntity | null> {
    return this.repo(manager)
      .createQueryBuilder('definition')
      .where('definition.tagId = :tagId AND definition.version = :version', { tagId, version })
      .setLock('pessimistic_write')
      .getOne();
  }

  // The newest draft of a tag, if its newest version is a draft.
  async latestDraft(tagId: string, manager?: EntityManager): Promise<TagDefinitionEntity | null> {
    const latest = await this.repo(manager).findOne({ where: { tagId }, order: { version: 'DESC' } });
    return latest?.status === 'draft' ? latest : null;
  }

  // Every version waiting for a checker or an activation, newest first: one query over the few
  // draft rows, so a review list needs no request per tag.
  findDrafts(manager?: EntityManager): Promise<TagDefinitionEntity[]> {
    return this.repo(manager).find({
      where: { status: 'draft' },
      order: { createdAt: 'DESC', tagId: 'ASC', version: 'DESC' },
    });
  }

  findVersions(tagId: string, manager?: EntityManager): Promise<TagDefinitionEntity[]> {
    return this.repo(manager).find({ where: { tagId }, order: { version: 'ASC' } });
  }

  findActiveVersion(tagId: string, manager?: EntityManager): Promise<TagDefinitionEntity | null> {
    return this.repo(manager).findOneBy({ tagId, status: 'active' });
  }

  // The versions that were active at an instant (of one tag, or of every tag), from the audit trail of
  // activations and retirements, which records each change with its time (a rollback re-activates an
  // older version: activated_at alone would lose when it was first active).
  async activeAt(at: Date, tagId?: string): Promise<TagDefinitionEntity[]> {
    const rows: { tag_id: string; version: number }[] = await this.dataSource.query(
      `SELECT tag_id, version FROM (
         SELECT DISTINCT ON (split_part(entity_id, '@', 1)) split_part(entity_id, '@', 1) AS tag_id,
                split_part(entity_id, '@', 2) AS version, action
           FROM audit_log
          WHERE entity = 'tag_definition' AND action IN ('definition.activate', 'definition.retire')
            AND at <= $1 AND ($2::varchar IS NULL OR entity_id LIKE $3)
          ORDER BY split_part(entity_id, '@', 1), at DESC, id DESC) last
        WHERE action = 'definition.activate' AND version ~ '^[0-9]{1,9}$'`,
      [at, tagId ?? null, tagId === undefined ? null : `${tagId.replace(/[\\%_]/g, '\\$&')}@%`],
    );
    if (rows.length === 0) return [];
    return this.repo().find({
      where: rows.map((row) => ({ tagId: row.tag_id, version: Number(row.version) })),
      order: { tagId: 'ASC' },
    });
  }

  // Inserts the next version of a tag; as 'active' it supersedes the active one.
  async insertVersion(
    definition: NewDefinitionVersion,
    status: 'draft' | 'active',
    manager: EntityManager,
  ): Promise<number> {
    const rows: { next: number }[] = await manager.query(
      `SELECT coalesce(max(version), 0) + 1 AS next FROM tag_definition WHERE tag_id = $1`,
      [definition.tagId],
    );
    const version = rows[0].next;
    if (status === 'active') await this.supersedeActive(definition.tagId, manager);
    await manager.query(
      `INSERT INTO tag_definition (tag_id, version, status, kind, purpose, rule, meta, depends_on_paths,
                                   depends_on_tags, time_dependent, checksum, created_by, created_by_key, activated_at)
       VALUES ($1, $2, $3::varchar, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
               CASE WHEN $3::varchar = 'active' THEN now() END)`,
      [
        definition.tagId,
        version,
        status,
        definition.kind,
        definition.purpose,
        JSON.stringify(definition.rule),
        JSON.stringify(definition.meta),
        definition.dependsOnPaths,
        definition.dependsOnTags,
        definition.timeDependent,
        definition.checksum,
        definition.createdBy,
        definition.createdByKey,
      ],
    );
    return version;
  }

  async setActive(tagId: string, version: number, manager: EntityManager): Promise<void> {
    await this.supersedeActive(tagId, manager);
    await manager.query(
      `UPDATE tag_definition SET status = 'active', activated_at = now(), retired_at = NULL
        WHERE tag_id = $1 AND version = $2`,
      [tagId, version],
    );
  }

  async setApproved(
    tagId: string,
    version: number,
    approver: { name: string; keyId: string | null },
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE tag_definition SET approved_by = $3, approved_by_key = $4, approved_at = now()
        WHERE tag_id = $1 AND version = $2`,
      [tagId, version, approver.name, approver.keyId],
    );
  }

  async setRetired(tagId: string, version: number, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE tag_definition SET status = 'retired', retired_at = now() WHERE tag_id = $1 AND version = $2`,
      [tagId, version],
    );
  }

  async setDiscarded(tagId: string, version: number, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE tag_definition SET status = 'discarded' WHERE tag_id = $1 AND version = $2 AND status = 'draft'`,
      [tagId, version],
    );
  }

  // A rollback of a tag that had no active version before: nothing of it stays active.
  async deactivate(tagId: string, manager: EntityManager): Promise<void> {
    await this.supersedeActive(tagId, manager);
  }

  async createChangeSet(
    changeSet: {
      source: ChangeSetSource;
      versions: { tagId: string; version: number }[];
      retire: string[];
      createdBy: string;
      createdByKey: string | null;
    },
    manager: EntityManager,
  ): Promise<DefinitionChangeSetEntity> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO definition_change_set (source, versions, retire, created_by, created_by_key)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [
        changeSet.source,
        JSON.stringify(changeSet.versions),
        changeSet.retire,
        changeSet.createdBy,
        changeSet.createdByKey,
      ],
    );
    return manager.getRepository(DefinitionChangeSetEntity).findOneByOrFail({ id: rows[0].id });
  }

  findChangeSet(id: string, manager?: EntityManager): Promise<DefinitionChangeSetEntity | null> {
    return (manager ?? this.dataSource.manager).getRepository(DefinitionChangeSetEntity).findOneBy({ id });
  }

  // An open change set with exactly these changes: a repeated sync proposes nothing new.
  async findOpenChangeSet(
    versions: readonly { tagId: string; version: number }[],
    retire: readonly string[],
    manager: EntityManager,
  ): Promise<DefinitionChangeSetEntity | null> {
    const open = await manager
      .getRepository(DefinitionChangeSetEntity)
      .find({ where: [{ status: 'pending' }, { status: 'approved' }] });
    const key = (items: readonly { tagId: string; version: number }[], tags: readonly string[]) =>
      JSON.stringify([items.map((item) => `${item.tagId}@${item.version}`).sort(), [...tags].sort()]);
    const wanted = key(versions, retire);
    return open.find((changeSet) => key(changeSet.versions, changeSet.retire) === wanted) ?? null;
  }

  listChangeSets(limit: number): Promise<DefinitionChangeSetEntity[]> {
    return this.dataSource.manager
      .getRepository(DefinitionChangeSetEntity)
      .find({ order: { createdAt: 'DESC' }, take: limit });
  }

  async setChangeSetStatus(
    id: string,
    change:
      | { status: 'approved'; approver: { name: string; keyId: string | null } }
      | { status: 'activated'; runId: string }
      | { status: 'discarded' },
    manager: EntityManager,
  ): Promise<void> {
    const status: ChangeSetStatus = change.status;
    if (change.status === 'approved') {
      await manager.query(
        `UPDATE definition_change_set SET status = $2, approved_by = $3, approved_by_key = $4, approved_at = now()
          WHERE id = $1`,
        [id, status, change.approver.name, change.approver.keyId],
      );
    } else {
      await manager.query(
        `UPDATE definition_change_set SET status = $2, finished_at = now(), run_id = $3 WHERE id = $1`,
        [id, status, change.status === 'activated' ? change.runId : null],
      );
    }
  }

  private async supersedeActive(tagId: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE tag_definition SET status = 'superseded' WHERE tag_id = $1 AND status = 'active'`,
      [tagId],
    );
  }
}
