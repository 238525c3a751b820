import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared, type PreparedStatement } from '../prepared-statement';

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

const LOCK_PROFILE_FOR_EVALUATION: PreparedStatement = {
  name: 'lock-profile-for-evaluation',
  text: `SELECT profile, version, evaluated_version, pending_paths, updated_at FROM customer_profile
          WHERE customer_id = $1 AND version > 0 FOR UPDATE`,
};

const MARK_CUSTOMER_EVALUATED: PreparedStatement = {
  name: 'mark-customer-evaluated',
  text: `UPDATE customer_profile SET evaluated_version = $2, pending_paths = '{}', tag_digest = $3
          WHERE customer_id = $1`,
};

// Profile locks and evaluation watermarks: which customers an evaluation holds, which profile it
// read, and what it leaves settled (evaluated_version, pending_paths, tag_digest). Every writer of
// tags locks the profile row first (see CustomerTagRepository for the tag rows themselves).
@Injectable()
export class EvaluationLockRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // A run chunk's transaction. It commits synchronously like every writer of history: a changes
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
    const { rows } = await queryPrepared<{
      profile: Record<string, unknown>;
      version: string;
      evaluated_version: string;
      pending_paths: string[] | null;
      updated_at: Date;
    }>(manager, LOCK_PROFILE_FOR_EVALUATION, [customerId]);
    if (rows.length === 0) return null;
    return {
      profile: rows[0].profile,
      version: Number(rows[0].version),
      evaluatedVersion: Number(rows[0].evaluated_version),
      pendingPaths: rows[0].pending_paths,
      updatedAt: rows[0].updated_at,
    };
  }

  // After an incremental evaluation of the locked profile at `version`: nothing is pending for it, and
  // its tags are those of `tagDigest`.
  async markCustomerEvaluated(
    customerId: string,
    version: number,
    tagDigest: string,
    manager: EntityManager,
  ): Promise<void> {
    await queryPrepared(manager, MARK_CUSTOMER_EVALUATED, [customerId, version, tagDigest]);
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
}
