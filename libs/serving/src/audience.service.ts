import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, isCustomerId, parseLimit } from '@tagforge/common';
import { AudienceRepository, TagDefinitionRepository, type Member } from '@tagforge/persistence';
import { decodeCursor, encodeCursor, parseInstant } from './query-params';

export type AudienceKind = 'segment' | 'tag';
export type ExportFormat = 'csv' | 'ndjson';

export const MAX_MEMBERS_PAGE = 10_000;
const EXPORT_PAGE = 10_000;
const MAX_CHANGES_PAGE = 10_000;

export interface AudienceSummary {
  id: string;
  kind: string;
  purpose: string;
  name: unknown;
  description: unknown;
  version: number;
  size: number;
  asOf?: string;
  lastChangedAt: Date | null;
  rule?: unknown;
}

// Segments, and boolean tags, as audiences for campaign tools.
@Injectable()
export class AudienceService {
  constructor(
    private readonly audiences: AudienceRepository,
    private readonly definitions: TagDefinitionRepository,
  ) {}

  async list(kind: AudienceKind): Promise<AudienceSummary[]> {
    const rows = (await this.definitions.findActive()).filter((row) => audienceKindOf(row.kind) === kind);
    return Promise.all(rows.map((row) => this.summary(row.tagId, kind, undefined, false)));
  }

  async get(id: string, kind: AudienceKind, asOfText?: string): Promise<AudienceSummary> {
    return this.summary(id, kind, parseInstant(asOfText, 'asOf'), true);
  }

  async members(
    id: string,
    kind: AudienceKind,
    query: { limit?: string; cursor?: string; asOf?: string },
  ): Promise<{ items: Member[]; nextCursor: string | null; asOf?: string }> {
    await this.requireAudience(id, kind);
    const limit = parseLimit(query.limit, 1000, MAX_MEMBERS_PAGE);
    const asOf = parseInstant(query.asOf, 'asOf');
    const after = decodeCursor(query.cursor, 1, (parts) => isCustomerId(parts[0]))?.[0] ?? null;
    const items = asOf
      ? await this.audiences.membersAsOfPage(id, asOf, after, limit)
      : await this.audiences.membersPage(id, after, limit);
    // Keyset on customer id: a page boundary never moves, whatever changes between requests.
    const nextCursor = items.length === limit ? encodeCursor([items[items.length - 1].customerId]) : null;
    return { items, nextCursor, ...(asOf ? { asOf: asOf.toISOString() } : {}) };
  }

  // Streams every member with backpressure, page by page, so memory stays flat for any size; stops
  // as soon as the client goes away.
  async exportMembers(
    id: string,
    kind: AudienceKind,
    format: ExportFormat,
    asOfText: string | undefined,
    // Called once the request is known to be valid: the stream the members are written to.
    open: () => Writable,
  ): Promise<void> {
    await this.requireAudience(id, kind);
    const asOf = parseInstant(asOfText, 'asOf');
    const out = open();
    if (format === 'csv') out.write('customer_id,since\n');
    let after: string | null = null;
    for (;;) {
      if (out.destroyed) return;
      const page: Member[] = asOf
        ? await this.audiences.membersAsOfPage(id, asOf, after, EXPORT_PAGE)
        : await this.audiences.membersPage(id, after, EXPORT_PAGE);
      let chunk = '';
      for (const member of page) {
        chunk +=
          format === 'csv'
            ? `${member.customerId},${member.since.toISOString()}\n`
            : `${JSON.stringify({ customerId: member.customerId, since: member.since })}\n`;
      }
      if (chunk !== '' && !out.write(chunk)) {
        await Promise.race([once(out, 'drain'), once(out, 'close')]);
      }
      if (page.length < EXPORT_PAGE) break;
      after = page[page.length - 1].customerId;
    }
    out.end();
  }

  async changes(
    id: string,
    kind: AudienceKind,
    query: { since?: string; limit?: string },
  ): Promise<{
    items: {
      seq: string;
      customerId: string;
      change: 'entered' | 'exited';
      at: Date;
      segmentVersion: number;
    }[];
    nextCursor: string;
  }> {
    await this.requireAudience(id, kind);
    const limit = parseLimit(query.limit, 1000, MAX_CHANGES_PAGE);
    const cursor = decodeCursor(query.since, 2, (parts) => parts.every((part) => /^\d{1,18}$/.test(part)));
    const rows = await this.audiences.changesAfter(
      id,
      cursor ? { txid: cursor[0], seq: cursor[1] } : null,
      limit,
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => ({
        seq: row.seq,
        customerId: row.customerId,
        change: row.entered ? 'entered' : 'exited',
        at: row.at,
        segmentVersion: row.tagVersion,
      })),
      // Always a cursor: a consumer stores it and calls again; an empty page keeps its place.
      nextCursor: last ? encodeCursor([last.txid, last.seq]) : (query.since ?? encodeCursor(['0', '0'])),
    };
  }

  private async summary(
    id: string,
    kind: AudienceKind,
    asOf: Date | undefined,
    withRule: boolean,
  ): Promise<AudienceSummary> {
    const row = await this.requireAudience(id, kind);
    return {
      id: row.tagId,
      kind: row.kind,
      purpose: row.purpose,
      name: row.meta.name,
      description: row.meta.description,
      version: row.version,
      size: asOf ? await this.audiences.sizeAsOf(id, asOf) : await this.audiences.size(id),
      ...(asOf ? { asOf: asOf.toISOString() } : {}),
      lastChangedAt: await this.audiences.lastChangedAt(id),
      ...(withRule ? { rule: row.rule } : {}),
    };
  }

  private async requireAudience(id: string, kind: AudienceKind) {
    const row = /^[a-z][a-z0-9_]{0,63}$/.test(id) ? await this.definitions.findActiveVersion(id) : null;
    if (!row || audienceKindOf(row.kind) !== kind) {
      throw new TagforgeException(
        ErrorCode.NotFound,
        kind === 'segment'
          ? `no active segment ${id}`
          : `no active boolean tag ${id} (only boolean tags are audiences)`,
      );
    }
    return row;
  }
}

function audienceKindOf(kind: string): AudienceKind | null {
  return kind === 'segment' ? 'segment' : kind === 'boolean' ? 'tag' : null;
}
