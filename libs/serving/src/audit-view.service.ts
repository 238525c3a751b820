import { Injectable } from '@nestjs/common';
import { AuditLogRepository, type AuditedEntity, type AuditRow } from '@tagforge/persistence';
import { AUDIT_CURSOR } from './cursors';

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;

@Injectable()
export class AuditViewService {
  constructor(private readonly audit: AuditLogRepository) {}

  async list(query: {
    entity?: AuditedEntity;
    from?: Date;
    to?: Date;
    beforeId?: string;
    limit: number;
  }): Promise<{ items: AuditRow[]; nextCursor: string | null }> {
    const items = await this.audit.list(
      { entity: query.entity, from: query.from, to: query.to, beforeId: query.beforeId },
      query.limit,
    );
    return {
      items,
      nextCursor: items.length === query.limit ? AUDIT_CURSOR.encode(items[items.length - 1].id) : null,
    };
  }
}
