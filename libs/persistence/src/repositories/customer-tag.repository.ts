import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { TagEventCause } from '../entities';
import { appendSizeRollup } from './audience-size.repository';

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

// A current tag as the lookup statement renders it: `since` already in ISO 8601 (UTC, milliseconds).
export interface CurrentTagJson {
  tagId: string;
  value: unknown;
  since: string;
  tagVersion: number;
}

export interface CustomerTagsRow {
  version: number;
  evaluatedVersion: number;
  tags: CurrentTagJson[];
}

// The CRM lookup (exported for bench:api's plain-SQL peer, which sends the very same statement).
export const CUSTOMER_TAGS_STATEMENT = {
  name: 'customer-tags',
  text: `SELECT p.version, p.evaluated_version,
          (SELECT coalesce(json_agg(json_build_object(
                    'tagId', t.tag_id, 'value', t.value,
                    'since', to_char(t.since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'tagVersion', t.tag_version) ORDER BY t.tag_id), '[]')
             FROM customer_tag t WHERE t.customer_id = p.customer_id) AS tags
     FROM customer_profile p WHERE p.customer_id = $1 AND p.version > 0`,
} as const;

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

export interface CustomerRange {
  afterCustomerId: string | null;
  lastCustomerId: string;
}

export interface RangeProfile {
  customerId: string;
  profile: Record<string, unknown>;
  version: number;
}

// A profile read without a lock: with its tag digest when a fresh evaluation can settle it (it has a
// digest and has been evaluated since its last write), else null.
export interface UnlockedProfile {
  customerId: string;
  settleable: { profile: Record<string, unknown>; tagDigest: string } | null;
}

export interface EvaluationLock {
  profile: Record<string, unknown>;
  version: number;
  evaluatedVersion: number;
  // null: evaluate every tag
  pendingPaths: string[] | null;
  updatedAt: Date;
}

@Injectable()
export class CustomerTagRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // A run chunk's transaction. It commits synchronously like every writer of tag_event: a changes
  // feed may hand out a row as soon as its transaction has committed, so the commit must survive a
  // crash (with synchronous_commit = off a crash could take back a change a consumer has seen, and the
  // chunk's rerun need not reproduce it).
  bulkTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // For reads outside a transaction.
  reader(): EntityManager {
    return this.dataSource.manager;
  }

  // Locks the customer's profile row: evaluations of one customer never interleave, and the
  // evaluated_version they write always matches the profile they read.
  async lockProfileForEvaluation(customerId: string, manager: EntityManager): Promise<EvaluationLock | null> {
    const rows: {
      profile: Record<string, unknown>;
      version: string;
      evaluated_version: string;
      pending_paths: string[] | null;
      updated_at: Date;
    }[] = await manager.query(
      `SELECT profile, version, evaluated_version, pending_paths, updated_at FROM customer_profile
          WHERE customer_id = $1 AND version > 0 FOR UPDATE`,
      [customerId],
    );
    if (rows.length === 0) return null;
    return {
      profile: rows[0].profile,
      version: Number(rows[0].version),
      evaluatedVersion: Number(rows[0].evaluated_version),
      pendingPaths: rows[0].pending_paths,
      updatedAt: rows[0].updated_at,
    };
  }

  // A customer's tags with its profile's versions, in one round trip (the CRM lookup); null when the
  // customer has no profile. A prepared statement (planned once per connection) whose tags arrive as
  // one JSON array: parsing one value costs the API far less than 40 rows with a timestamp each.
  async currentOfCustomer(customerId: string): Promise<CustomerTagsRow | null> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const result = await pool.query<{ version: string; evaluated_version: string; tags: CurrentTagJson[] }>({
      ...CUSTOMER_TAGS_STATEMENT,
      values: [customerId],
    });
    if (result.rows.length === 0) return null;
    const row = result.rows[0];
    return { version: Number(row.version), evaluatedVersion: Number(row.evaluated_version), tags: row.tags };
  }

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

  // Writes one customer's tag changes with their history rows, the evaluated watermark and the
  // digest of the tags it now holds.
  async applyChanges(
    customerId: string,
    changes: readonly TagChange[],
    context: { profileVersion: number; cause: TagEventCause; runId: string | null; tagDigest: string },
    manager: EntityManager,
  ): Promise<void> {
    await this.applyBulkChanges(
      changes.map((change) => ({ ...change, customerId, profileVersion: context.profileVersion })),
      context,
      manager,
    );
    await manager.query(
      `UPDATE customer_profile SET evaluated_version = $2, pending_paths = '{}', tag_digest = $3
        WHERE customer_id = $1`,
      [customerId, context.profileVersion, context.tagDigest],
    );
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

  // After a run that evaluated the whole catalog on these (locked) profiles: nothing is pending for
  // them any more, and their tags are those of `tagDigest`. Rows already up to date are not rewritten
  // (a profile evaluated at its version has no pending paths).
  async markEvaluated(
    customers: readonly { customerId: string; version: number; tagDigest: string }[],
    manager: EntityManager,
  ): Promise<void> {
    if (customers.length === 0) return;
    await manager.query(
      `UPDATE customer_profile AS p
          SET evaluated_version = v.version, pending_paths = '{}', tag_digest = v.tag_digest
         FROM unnest($1::varchar[], $2::bigint[], $3::varchar[]) AS v(customer_id, version, tag_digest)
        WHERE p.customer_id = v.customer_id
          AND (p.evaluated_version < v.version OR p.tag_digest IS DISTINCT FROM v.tag_digest)`,
      [
        customers.map((c) => c.customerId),
        customers.map((c) => c.version),
        customers.map((c) => c.tagDigest),
      ],
    );
  }

  // After a run over part of the catalog changed these customers' tags without reading all of them:
  // their digests are unknown until their next whole evaluation.
  async forgetDigests(customerIds: readonly string[], manager: EntityManager): Promise<void> {
    if (customerIds.length === 0) return;
    await manager.query(
      `UPDATE customer_profile SET tag_digest = NULL
        WHERE customer_id = ANY($1::varchar[]) AND tag_digest IS NOT NULL`,
      [customerIds],
    );
  }

  // A chunk's profiles without locks: a recompute evaluates them, then locks only the customers whose
  // fresh tags do not match their stored digest. The profile of a customer that cannot be settled that
  // way is not sent: it will be read under the lock.
  async readRange(range: CustomerRange, manager: EntityManager): Promise<UnlockedProfile[]> {
    const rows: { customer_id: string; profile: Record<string, unknown> | null; tag_digest: string }[] =
      await manager.query(
        `SELECT customer_id, tag_digest,
                CASE WHEN tag_digest IS NOT NULL AND evaluated_version >= version THEN profile END AS profile
           FROM customer_profile
          WHERE ($1::varchar IS NULL OR customer_id > $1) AND customer_id <= $2 AND version > 0
          ORDER BY customer_id`,
        [range.afterCustomerId, range.lastCustomerId],
      );
    return rows.map((row) => ({
      customerId: row.customer_id,
      settleable: row.profile === null ? null : { profile: row.profile, tagDigest: row.tag_digest },
    }));
  }

  // A chunk of a run: the customers in (afterCustomerId, lastCustomerId] (only `customerIds` when
  // given), locked for the chunk's transaction so an incremental evaluation of one of them waits
  // rather than interleaves.
  async lockRange(
    range: CustomerRange,
    manager: EntityManager,
    customerIds?: readonly string[],
  ): Promise<RangeProfile[]> {
    const rows: { customer_id: string; profile: Record<string, unknown>; version: string }[] =
      await manager.query(
        `SELECT customer_id, profile, version FROM customer_profile
        WHERE ($1::varchar IS NULL OR customer_id > $1) AND customer_id <= $2 AND version > 0
          AND ($3::varchar[] IS NULL OR customer_id = ANY($3))
        ORDER BY customer_id FOR UPDATE`,
        [range.afterCustomerId, range.lastCustomerId, customerIds ?? null],
      );
    return rows.map((row) => ({
      customerId: row.customer_id,
      profile: row.profile,
      version: Number(row.version),
    }));
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
