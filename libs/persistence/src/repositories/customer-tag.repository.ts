import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { TagEventCause } from '../entities';

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

export interface EvaluationLock {
  profile: Record<string, unknown>;
  version: number;
  evaluatedVersion: number;
}

@Injectable()
export class CustomerTagRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // Locks the customer's profile row: evaluations of one customer never interleave, and the
  // evaluated_version they write always matches the profile they read.
  async lockProfileForEvaluation(customerId: string, manager: EntityManager): Promise<EvaluationLock | null> {
    const rows: { profile: Record<string, unknown>; version: string; evaluated_version: string }[] =
      await manager.query(
        `SELECT profile, version, evaluated_version FROM customer_profile
          WHERE customer_id = $1 AND version > 0 FOR UPDATE`,
        [customerId],
      );
    if (rows.length === 0) return null;
    return {
      profile: rows[0].profile,
      version: Number(rows[0].version),
      evaluatedVersion: Number(rows[0].evaluated_version),
    };
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

  // Writes one customer's tag changes with their history rows and the evaluated watermark, set-based.
  async applyChanges(
    customerId: string,
    changes: readonly TagChange[],
    context: { profileVersion: number; cause: TagEventCause; runId: string | null },
    manager: EntityManager,
  ): Promise<void> {
    const set = changes.filter((change) => change.newValue !== null);
    const unset = changes.filter((change) => change.newValue === null);
    if (set.length > 0) {
      await manager.query(
        `INSERT INTO customer_tag (customer_id, tag_id, value, tag_version, since)
         SELECT $1, t.tag_id, t.value, t.tag_version, now()
           FROM unnest($2::varchar[], $3::jsonb[], $4::int[]) AS t(tag_id, value, tag_version)
         ON CONFLICT (customer_id, tag_id)
         DO UPDATE SET value = excluded.value, tag_version = excluded.tag_version, since = excluded.since`,
        [
          customerId,
          set.map((c) => c.tagId),
          set.map((c) => JSON.stringify(c.newValue)),
          set.map((c) => c.tagVersion),
        ],
      );
    }
    if (unset.length > 0) {
      await manager.query(`DELETE FROM customer_tag WHERE customer_id = $1 AND tag_id = ANY($2::varchar[])`, [
        customerId,
        unset.map((c) => c.tagId),
      ]);
    }
    if (changes.length > 0) {
      await manager.query(
        `INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id)
         SELECT $1, e.tag_id, e.old_value, e.new_value, e.tag_version, $5, $6, $7
           FROM unnest($2::varchar[], $3::jsonb[], $4::jsonb[], $8::int[]) AS e(tag_id, old_value, new_value, tag_version)`,
        [
          customerId,
          changes.map((c) => c.tagId),
          changes.map((c) => (c.oldValue === null ? null : JSON.stringify(c.oldValue))),
          changes.map((c) => (c.newValue === null ? null : JSON.stringify(c.newValue))),
          context.profileVersion,
          context.cause,
          context.runId,
          changes.map((c) => c.tagVersion),
        ],
      );
    }
    await manager.query(`UPDATE customer_profile SET evaluated_version = $2 WHERE customer_id = $1`, [
      customerId,
      context.profileVersion,
    ]);
  }
}
