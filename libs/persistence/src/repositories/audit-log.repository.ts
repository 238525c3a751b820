import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

// What the audit log records changes to.
export const AUDITED_ENTITIES = [
  'api_key',
  'campaign',
  'customer',
  'definition_change_set',
  'destination',
  'evaluation_run',
  'tag_definition',
] as const;
export type AuditedEntity = (typeof AUDITED_ENTITIES)[number];

export interface AuditRow {
  id: string;
  actor: { keyId: string | null; name: string };
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: Date;
}

export interface AuditEntry {
  actorKeyId: string | null;
  actorName: string;
  action: string;
  entity: AuditedEntity;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

// Append-only: the application never updates or deletes audit rows.
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async append(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO audit_log (actor_key_id, actor_name, action, entity, entity_id, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.actorKeyId,
        entry.actorName,
        entry.action,
        entry.entity,
        entry.entityId,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
      ],
    );
  }

  // Newest first, keyset-paged on id.
  async list(
    filter: { entity?: string; from?: Date; to?: Date; beforeId?: string },
    limit: number,
  ): Promise<AuditRow[]> {
    const rows: {
      id: string;
      actor_key_id: string | null;
      actor_name: string;
      action: string;
      entity: string;
      entity_id: string;
      before: unknown;
      after: unknown;
      at: Date;
    }[] = await this.dataSource.query(
      `SELECT id, actor_key_id, actor_name, action, entity, entity_id, before, after, at FROM audit_log
        WHERE ($1::varchar IS NULL OR entity = $1) AND ($2::timestamptz IS NULL OR at >= $2)
          AND ($3::timestamptz IS NULL OR at < $3) AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [filter.entity ?? null, filter.from ?? null, filter.to ?? null, filter.beforeId ?? null, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      actor: { keyId: row.actor_key_id, name: row.actor_name },
      action: row.action,
      entity: row.entity,
      entityId: row.entity_id,
      before: row.before,
      after: row.after,
      at: row.at,
    }));
  }
}
