import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { SandboxChange } from '../entities';
import type { CustomerRange, RangeProfile } from './evaluation-lock.repository';

export interface SandboxResultRow {
  customerId: string;
  tagId: string;
  change: SandboxChange;
  before: unknown;
  after: unknown;
}

// Sandbox runs read live data and write only their own rows.
@Injectable()
export class SandboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // A reproducible sample: customers ordered by a hash of the seed and their id.
  async sample(size: number, seed: number): Promise<string[]> {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT customer_id FROM customer_profile WHERE version > 0
        ORDER BY md5($2::text || ':' || customer_id), customer_id LIMIT $1`,
      [size, seed],
    );
    return rows.map((row) => row.customer_id).sort();
  }

  async existing(customerIds: readonly string[]): Promise<string[]> {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT customer_id FROM customer_profile WHERE customer_id = ANY($1::varchar[]) AND version > 0 ORDER BY 1`,
      [customerIds],
    );
    return rows.map((row) => row.customer_id);
  }

  async readRange(range: CustomerRange, population: readonly string[] | null): Promise<RangeProfile[]> {
    const rows: { customer_id: string; profile: Record<string, unknown>; version: string }[] =
      await this.dataSource.query(
        `SELECT customer_id, profile, version FROM customer_profile
        WHERE ($1::varchar IS NULL OR customer_id > $1) AND customer_id <= $2 AND version > 0
          AND ($3::varchar[] IS NULL OR customer_id = ANY($3::varchar[]))
        ORDER BY customer_id`,
        [range.afterCustomerId, range.lastCustomerId, population],
      );
    return rows.map((row) => ({
      customerId: row.customer_id,
      profile: row.profile,
      version: Number(row.version),
    }));
  }

  async insertResults(
    runId: string,
    rows: readonly SandboxResultRow[],
    manager: EntityManager,
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO sandbox_result (customer_id, run_id, tag_id, change, before, after)
       SELECT r.customer_id, $1, r.tag_id, r.change, r.before, r.after
         FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::jsonb[], $6::jsonb[])
              AS r(customer_id, tag_id, change, before, after)
       ON CONFLICT DO NOTHING`,
      [
        runId,
        rows.map((row) => row.customerId),
        rows.map((row) => row.tagId),
        rows.map((row) => row.change),
        rows.map((row) => (row.before === null ? null : JSON.stringify(row.before))),
        rows.map((row) => (row.after === null ? null : JSON.stringify(row.after))),
      ],
    );
  }

  // Records the chunk with its counts once; false when it was already recorded (a second delivery).
  async recordChunk(
    runId: string,
    chunk: number,
    customers: number,
    stats: Record<string, unknown>,
    manager: EntityManager,
  ): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO evaluation_run_chunk (run_id, chunk, customers, changed, stats) VALUES ($1, $2, $3, 0, $4)
       ON CONFLICT DO NOTHING RETURNING chunk`,
      [runId, chunk, customers, JSON.stringify(stats)],
    );
    if (inserted.length === 0) return false;
    await manager.query(`UPDATE evaluation_run SET done = done + $2 WHERE id = $1`, [runId, customers]);
    return true;
  }

  async chunkStats(runId: string): Promise<Record<string, unknown>[]> {
    const rows: { stats: Record<string, unknown> | null }[] = await this.dataSource.query(
      `SELECT stats FROM evaluation_run_chunk WHERE run_id = $1`,
      [runId],
    );
    return rows.flatMap((row) => (row.stats ? [row.stats] : []));
  }

  async results(
    runId: string,
    filter: { tagId: string; change: SandboxChange; afterCustomerId: string | null },
    limit: number,
  ): Promise<SandboxResultRow[]> {
    const rows: {
      customer_id: string;
      tag_id: string;
      change: SandboxChange;
      before: unknown;
      after: unknown;
    }[] = await this.dataSource.query(
      `SELECT customer_id, tag_id, change, before, after FROM sandbox_result
          WHERE run_id = $1 AND tag_id = $2 AND change = $3 AND ($4::varchar IS NULL OR customer_id > $4)
          ORDER BY customer_id LIMIT $5`,
      [runId, filter.tagId, filter.change, filter.afterCustomerId, limit],
    );
    return rows.map((row) => ({
      customerId: row.customer_id,
      tagId: row.tag_id,
      change: row.change,
      before: row.before,
      after: row.after,
    }));
  }

  async profile(customerId: string): Promise<Record<string, unknown> | null> {
    const rows: { profile: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT profile FROM customer_profile WHERE customer_id = $1 AND version > 0`,
      [customerId],
    );
    return rows[0]?.profile ?? null;
  }
}
