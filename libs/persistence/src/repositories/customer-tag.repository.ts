import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { TagEventCause } from '../entities';
import { appendSizeRollup } from './audience-size.repository';
import type { CustomerRange } from './evaluation-lock.repository';
import { changesOfRows } from './tag-history.sql';

// A tag's change as tag_history stores it: [old value, new value, definition version].
type HistoryChange = [unknown, unknown, number];

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

// Current tags (customer_tag) and the history every change of them leaves (tag_history, with its size
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
    // The history, one row per customer, and its size rollup rows, in one statement.
    const history = new Map<string, { changes: Record<string, HistoryChange>; profileVersion: number }>();
    for (const change of changes) {
      let row = history.get(change.customerId);
      if (!row) history.set(change.customerId, (row = { changes: {}, profileVersion: change.profileVersion }));
      row.changes[change.tagId] = [change.oldValue, change.newValue, change.tagVersion];
    }
    await manager.query(
      `WITH written AS (
         INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause, run_id)
         SELECT h.customer_id, ARRAY(SELECT jsonb_object_keys(h.changes)), h.changes, h.profile_version, $4, $5
           FROM unnest($1::varchar[], $2::jsonb[], $3::bigint[]) AS h(customer_id, changes, profile_version)
         RETURNING tag_ids, changes, at, cause)
       ${appendSizeRollup(`${changesOfRows('written')} c`)}`,
      [
        [...history.keys()],
        [...history.values()].map((row) => JSON.stringify(row.changes)),
        [...history.values()].map((row) => row.profileVersion),
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

  // Retirement: removes the tags from the customers of the range, each removal a change in history; their
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
         INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause, run_id)
         SELECT r.customer_id, array_agg(r.tag_id),
                jsonb_object_agg(r.tag_id, jsonb_build_array(r.value, NULL, r.tag_version)), p.version, 'definition', $4
           FROM removed r JOIN customer_profile p ON p.customer_id = r.customer_id
          GROUP BY r.customer_id, p.version
         RETURNING tag_ids, changes, at, cause),
       sized AS (${appendSizeRollup(`${changesOfRows('written')} c`)})
       SELECT 1 FROM written w CROSS JOIN LATERAL unnest(w.tag_ids)`,
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
