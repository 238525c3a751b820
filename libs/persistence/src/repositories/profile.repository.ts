import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { appendSizeRollup } from './audience-size.repository';
import { changesOfRows } from './tag-history.sql';
import { queryPrepared, type PreparedStatement } from '../prepared-statement';

export interface StoredProfile {
  customerId: string;
  profile: Record<string, unknown>;
  stamps: Record<string, string>;
  version: number;
  evaluatedVersion: number;
  updatedAt: Date;
}

export interface ProfileUpdate {
  customerId: string;
  profile: Record<string, unknown>;
  stamps: Record<string, string>;
  version: number;
  // dotted paths this write changed; they accumulate until the next evaluation
  changedPaths: string[];
}

export interface ErasureCounts {
  profiles: number;
  tags: number;
  events: number;
  // Campaign memberships and the outcomes recorded for them.
  campaignRecords: number;
}

interface ProfileRow {
  customer_id: string;
  profile: Record<string, unknown>;
  section_versions: Record<string, string>;
  version: string;
  evaluated_version: string;
  updated_at: Date;
}

const toStored = (row: ProfileRow): StoredProfile => ({
  customerId: row.customer_id,
  profile: row.profile,
  stamps: row.section_versions,
  version: Number(row.version),
  evaluatedVersion: Number(row.evaluated_version),
  updatedAt: row.updated_at,
});

// The statements of every profile write (prepared: planned once per connection).
const CREATE_PLACEHOLDERS: PreparedStatement = {
  name: 'create-profile-placeholders',
  text: `INSERT INTO customer_profile (customer_id, version, evaluated_version)
         SELECT id, 0, 0 FROM unnest($1::varchar[]) AS id ORDER BY id
         ON CONFLICT (customer_id) DO NOTHING`,
};

const LOCK_FOR_WRITE: PreparedStatement = {
  name: 'lock-profiles-for-write',
  text: `SELECT customer_id, profile, section_versions, version, evaluated_version, updated_at
           FROM customer_profile WHERE customer_id = ANY($1::varchar[]) ORDER BY customer_id FOR UPDATE`,
};

const SAVE_PROFILES: PreparedStatement = {
  name: 'save-profiles',
  text: `UPDATE customer_profile AS p
            SET profile = v.profile, section_versions = v.stamps, version = v.version, updated_at = now(),
                pending_paths = CASE WHEN p.pending_paths IS NULL THEN NULL ELSE ARRAY(
                  SELECT DISTINCT path FROM unnest(p.pending_paths) AS path
                  UNION SELECT jsonb_array_elements_text(v.paths) ORDER BY 1) END
           FROM unnest($1::varchar[], $2::jsonb[], $3::jsonb[], $4::bigint[], $5::jsonb[])
                AS v(customer_id, profile, stamps, version, paths)
          WHERE p.customer_id = v.customer_id`,
};

@Injectable()
export class ProfileRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async find(customerId: string, manager?: EntityManager): Promise<StoredProfile | null> {
    const rows: ProfileRow[] = await (manager ?? this.dataSource.manager).query(
      `SELECT customer_id, profile, section_versions, version, evaluated_version, updated_at
         FROM customer_profile WHERE customer_id = $1 AND version > 0`,
      [customerId],
    );
    return rows.length > 0 ? toStored(rows[0]) : null;
  }

  // Locks the rows of these customers for the rest of the transaction, creating version-0
  // placeholders for new ones so that two first writes to one customer also serialise.
  // Ids are taken in sorted order so concurrent batches cannot deadlock.
  async lockForWrite(
    customerIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, StoredProfile>> {
    const ids = [...new Set(customerIds)].sort();
    await queryPrepared(manager, CREATE_PLACEHOLDERS, [ids]);
    const { rows } = await queryPrepared<ProfileRow>(manager, LOCK_FOR_WRITE, [ids]);
    return new Map(rows.map((row) => [row.customer_id, toStored(row)]));
  }

  async saveMany(updates: readonly ProfileUpdate[], manager: EntityManager): Promise<void> {
    if (updates.length === 0) return;
    await queryPrepared(manager, SAVE_PROFILES, [
      updates.map((update) => update.customerId),
      updates.map((update) => JSON.stringify(update.profile)),
      updates.map((update) => JSON.stringify(update.stamps)),
      updates.map((update) => update.version),
      updates.map((update) => JSON.stringify(update.changedPaths)),
    ]);
  }

  // A reproducible sample of profiles (ordered by a hash of the id): an activation is tried on it first.
  async sample(size: number): Promise<{ customerId: string; profile: Record<string, unknown> }[]> {
    const rows: { customer_id: string; profile: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT customer_id, profile FROM customer_profile
        WHERE customer_id IN (SELECT customer_id FROM customer_profile WHERE version > 0
                               ORDER BY md5(customer_id) LIMIT $1)`,
      [size],
    );
    return rows.map((row) => ({ customerId: row.customer_id, profile: row.profile }));
  }

  // The reconciler's work list (served by customer_profile_pending_idx).
  async pendingEvaluation(graceSeconds: number, limit: number): Promise<string[]> {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT customer_id FROM customer_profile
        WHERE version > evaluated_version AND updated_at < now() - make_interval(secs => $1)
        ORDER BY updated_at LIMIT $2`,
      [graceSeconds, limit],
    );
    return rows.map((row) => row.customer_id);
  }

  // Evaluation lag (GET /v1/ops/status): profiles written and not yet evaluated, counted up to
  // `cap` (served by customer_profile_pending_idx, so a backlog costs at most cap index entries),
  // and the oldest such write.
  async pendingSummary(cap: number): Promise<{ pending: number; oldest: Date | null }> {
    const rows: { pending: number; oldest: Date | null }[] = await this.dataSource.query(
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM customer_profile
                                            WHERE version > evaluated_version LIMIT $1) capped) AS pending,
              (SELECT min(updated_at) FROM customer_profile WHERE version > evaluated_version) AS oldest`,
      [cap],
    );
    return rows[0];
  }

  // Placeholders of customers whose every write was refused must not survive the transaction.
  async dropPlaceholders(customerIds: readonly string[], manager: EntityManager): Promise<void> {
    if (customerIds.length === 0) return;
    await manager.query(
      `DELETE FROM customer_profile WHERE customer_id = ANY($1::varchar[]) AND version = 0`,
      [[...customerIds]],
    );
  }

  // Erasure: the profile, its current tags and its whole history go. So that audiences consuming a
  // changes feed also drop the customer, each membership (a tag or segment set to true) leaves one
  // bare exit row behind (no values, cause 'erasure'); those are the only rows that remain.
  // The profile row is locked first, as evaluations and run chunks lock it before they write tags and
  // history: one that is writing finishes before the erasure reads, and one that starts later finds
  // no profile, so nothing it writes can survive the erasure.
  async erase(customerId: string, manager: EntityManager): Promise<ErasureCounts> {
    const count = async (sql: string) => {
      const result: [unknown[], number] = await manager.query(sql, [customerId]);
      return result[1];
    };
    await manager.query(`SELECT 1 FROM customer_profile WHERE customer_id = $1 FOR UPDATE`, [customerId]);
    // The size rollup forgets the customer's past with its history (asOf no longer sees it either).
    const erased: { n: number }[] = await manager.query(
      `WITH gone AS (DELETE FROM tag_history WHERE customer_id = $1 RETURNING tag_ids, changes, at, cause),
            sized AS (${appendSizeRollup(`${changesOfRows('gone')} c`, -1)})
       SELECT coalesce(sum(cardinality(tag_ids)), 0)::int AS n FROM gone`,
      [customerId],
    );
    const events = erased[0].n;
    await manager.query(
      `INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause)
       SELECT t.customer_id, array_agg(t.tag_id),
              jsonb_object_agg(t.tag_id, jsonb_build_array(true, NULL, t.tag_version)), p.version, 'erasure'
         FROM customer_tag t JOIN customer_profile p ON p.customer_id = t.customer_id
        WHERE t.customer_id = $1 AND t.value = 'true'::jsonb
        GROUP BY t.customer_id, p.version`,
      [customerId],
    );
    // Memberships first: an outcome write holds its members FOR SHARE, so this waits for it and the
    // outcomes it committed are then deleted too.
    const memberships = await count(`DELETE FROM campaign_member WHERE customer_id = $1`);
    const outcomes = await count(`DELETE FROM campaign_outcome WHERE customer_id = $1`);
    return {
      events,
      campaignRecords: memberships + outcomes,
      tags: await count(`DELETE FROM customer_tag WHERE customer_id = $1`),
      profiles: await count(`DELETE FROM customer_profile WHERE customer_id = $1 AND version > 0`),
    };
  }
}
