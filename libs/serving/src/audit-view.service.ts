import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, parseLimit } from '@tagforge/common';
import { AUDITED_ENTITIES, AuditLogRepository, type AuditRow } from '@tagforge/persistence';
import { decodeCursor, encodeCursor, parseInstant } from './query-params';

@Injectable()
export class AuditViewService {
  constructor(private readonly audit: AuditLogRepository) {}

  async list(query: {
    entity?: string;
    from?: string;
    to?: string;
    limit?: string;
    cursor?: string;
  }): Promise<{ items: AuditRow[]; nextCursor: string | null }> {
    if (query.entity !== undefined && !(AUDITED_ENTITIES as readonly string[]).includes(query.entity)) {
      throw new TagforgeException(ErrorCode.BadRequest, `entity is one of ${AUDITED_ENTITIES.join(', ')}`);
    }
    const limit = parseLimit(query.limit, 100, 1000);
    const cursor = decodeCursor(query.cursor, 1);
    if (cursor && !/^\d{1,19}$/.test(cursor[0]))
      throw new TagforgeException(ErrorCode.BadRequest, 'cursor is not one this API returned');
    const items = await this.audit.list(
      {
        entity: query.entity,
        from: parseInstant(query.from, 'from'),
        to: parseInstant(query.to, 'to'),
        beforeId: cursor?.[0],
      },
      limit,
    );
    return { items, nextCursor: items.length === limit ? encodeCursor([items[items.length - 1].id]) : null };
  }
}
