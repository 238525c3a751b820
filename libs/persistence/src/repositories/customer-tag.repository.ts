import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { TagEventCause } from '../entities';
import { appendSizeRollup } from './audience-size.repository';
import type { CustomerRange } from './evaluation-lock.repository';

export interface RangeTag {
  value: unknown;
  tagVersion: number;
}

export interface CurrentTag {
  tagId: string;
  value: unknown;
  tagVersion: number;
  since: Date;
}

export interface TagChange {
  tagId: string;
  oldValue: unknown;
  newValue: unknown;
  tagVersion: number;
}

export interface CustomerTagChange extends TagChange {
  customerId: string;
  profileVersion: number;
}

// Current tags (customer_tag) and the history every change of them leaves (tag_event, with its size
// rollup rows), written together. The profile locks every writer takes first are
// EvaluationLockRepository's; the CRM lookup and a customer's history are read in libs/serving.
@Injectable()
export class CustomerTagRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async current(customerId: string, manager?: EntityManager): Promise<CurrentTag[]> {
    const rows: { tag_id: string; value: unknown; tag_version: number; since: Date }[] = await (
      manager ?? this.dataSource.manager
    ).query(
      `SELECT tag_id, value, tag_version, since FROM customer_tag WHERE customer_id = $1 ORDER BY tag_id`,
      [customerId],
    );
    return rows.map((row) => ({
      tagId: row.tag_id,
      value: row.value,
      tagVersion: row.tag_version,
      since: row.since,
    }));
  }

  // Many customers' changes at once, set-based: upserts, deletes and history rows in three statements.
  async applyBulkChanges(
    changes: readonly CustomerTagChange[],
    context: { cause: TagEventCause; runId: string | null },
    manager: EntityManager,
  ): Promise<void> {
    if (changes.length === 0) return;
    const set = changes.filter((change) => change.newValue !== null);
    const unset = changes.filter((change) => change.newValue === null);
    if (set.length > 0) {
      await manager.query(
        `INSERT INTO customer_tag (customer_id, tag_id, value, tag_version, since)
         SELECT t.customer_id, t.tag_id, t.value, t.tag_version, now()
           FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::int[]) AS t(customer_id, tag_id, value, tag_version)
         ON CONFLICT (customer_id, tag_id)
         DO UPDATE SET value = excluded.value, tag_version = excluded.tag_version, since = excluded.since`,
        [
          set.map((c) => c.customerId),
          set.map((c) => c.tagId),
          set.map((c) => JSON.stringify(c.newValue)),
          set.map((c) => c.tagVersion),
        ],
      );
    }
    if (unset.length > 0) {
      await manager.query(
        `DELETE FROM customer_tag AS t USING unnest($1::varchar[], $2::varchar[]) AS u(customer_id, tag_id)
          WHERE t.customer_id = u.customer_id AND t.tag_id = u.tag_id`,
        [unset.map((c) => c.customerId), unset.map((c) => c.tagId)],
      );
    }
    // The history rows and their size rollup rows, in one statement (see audience-size.repository).
    await manager.query(
      `WITH written AS (
         INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id)
         SELECT e.customer_id, e.tag_id, e.old_value, e.new_value, e.tag_version, e.profile_version, $7, $8
           FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::jsonb[], $5::int[], $6::bigint[])
                AS e(customer_id, tag_id, old_value, new_value, tag_version, profile_version)
         RETURNING tag_id, old_value, new_value, at, cause)
       ${appendSizeRollup('written')}`,
      [
        changes.map((c) => c.customerId),
        changes.map((c) => c.tagId),
        changes.map((c) => (c.oldValue === null ? null : JSON.stringify(c.oldValue))),
        changes.map((c) => (c.newValue === null ? null : JSON.stringify(c.newValue))),
        changes.map((c) => c.tagVersion),
        changes.map((c) => c.profileVersion),
        context.cause,
        context.runId,
      ],
    );
  }

  // The current values of a range's customers' tags; only `tagIds` when given (a run over a few tags),
  // only `customerIds`' when given. No `since`: a chunk does not need it, and parsing 40 timestamps
  // per customer costs.
  async currentInRange(
    range: CustomerRange,
    manager: EntityManager,
    filter: { tagIds?: readonly string[]; customerIds?: readonly string[] } = {},
  ): Promise<Map<string, Map<string, RangeTag>>> {
    const rows: { customer_id: string; tag_id: string; value: unknown; tag_version: number }[] =
      await manager.query(
        `SELECT customer_id, tag_id, value, tag_version FROM customer_tag
          WHERE ($1::varchar IS NULL OR customer_id > $1) AND customer_id <= $2
            AND ($3::varchar[] IS NULL OR tag_id = ANY($3))
            AND ($4::varchar[] IS NULL OR customer_id = ANY($4))`,
        [range.afterCustomerId, range.lastCustomerId, filter.tagIds ?? null, filter.customerIds ?? null],
      );
    const byCustomer = new Map<string, Map<string, RangeTag>>();
    for (const row of rows) {
      let tags = byCustomer.get(row.customer_id);
      if (!tags) byCustomer.set(row.customer_id, (tags = new Map()));
      tags.set(row.tag_id, { value: row.value, tagVersion: row.tag_version });
    }
    return byCustomer;
  }

  // Retirement: removes the tags from the customers of the range, each removal a history row; their
  // digests become unknown.
  async removeTags(
    tagIds: readonly string[],
    range: CustomerRange,
    context: { runId: string | null },
    manager: EntityManager,
  ): Promise<number> {
    const rows: unknown[] = await manager.query(
      `WITH removed AS (
         DELETE FROM customer_tag
          WHERE tag_id = ANY($1::varchar[]) AND ($2::varchar IS NULL OR customer_id > $2) AND customer_id <= $3
         RETURNING customer_id, tag_id, value, tag_version),
       forgotten AS (
         UPDATE customer_profile SET tag_digest = NULL
          WHERE customer_id IN (SELECT customer_id FROM removed) AND tag_digest IS NOT NULL),
       written AS (
         INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id)
         SELECT r.customer_id, r.tag_id, r.value, NULL, r.tag_version, p.version, 'definition', $4
           FROM removed r JOIN customer_profile p ON p.customer_id = r.customer_id
         RETURNING tag_id, old_value, new_value, at, cause),
       sized AS (${appendSizeRollup('written')})
       SELECT 1 FROM written`,
      [tagIds, range.afterCustomerId, range.lastCustomerId, context.runId],
    );
    return rows.length;
  }

  async countCarrying(tagId: string): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = $1`,
      [tagId],
    );
    return rows[0].n;
  }
}
