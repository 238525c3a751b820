import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

// The live distributions a model's stability (PSI) compares with its training: counts of the score and
// of each characteristic's values over the stored population, aggregated in Postgres.

export interface BucketCount {
  // width_bucket of the value over the cuts (0..cuts.length), or -1 for a missing or non-numeric value.
  bucket: number;
  count: number;
}

export interface ValueCount {
  value: unknown;
  count: number;
}

@Injectable()
export class ModelStabilityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private runner(manager?: EntityManager) {
    return manager ?? this.dataSource.manager;
  }

  async countCustomers(manager?: EntityManager): Promise<number> {
    const [row] = (await this.runner(manager).query(
      'SELECT count(*)::bigint AS count FROM customer_profile',
    )) as { count: string }[];
    return Number(row.count);
  }

  /** A number tag's stored values counted by the groups of `cuts`; customers without a value are left out. */
  async tagValueBuckets(
    tagId: string,
    cuts: readonly number[],
    manager?: EntityManager,
  ): Promise<BucketCount[]> {
    return this.buckets(`SELECT value AS v FROM customer_tag WHERE tag_id = $2`, [cuts, tagId], manager);
  }

  /** A profile path's values counted by the groups of `cuts`; -1 counts customers without a number there. */
  async profileValueBuckets(
    path: readonly string[],
    cuts: readonly number[],
    manager?: EntityManager,
  ): Promise<BucketCount[]> {
    return this.buckets(`SELECT profile #> $2::text[] AS v FROM customer_profile`, [cuts, path], manager);
  }

  /** A profile path's distinct values with their counts (null for customers without one). */
  async profileValueCounts(path: readonly string[], manager?: EntityManager): Promise<ValueCount[]> {
    const rows = (await this.runner(manager).query(
      `SELECT profile #> $1::text[] AS value, count(*)::bigint AS count FROM customer_profile GROUP BY 1`,
      [path],
    )) as { value: unknown; count: string }[];
    return rows.map((row) => ({ value: row.value, count: Number(row.count) }));
  }

  /** A tag's distinct stored values with their counts (customers without a row are not counted). */
  async tagValueCounts(tagId: string, manager?: EntityManager): Promise<ValueCount[]> {
    const rows = (await this.runner(manager).query(
      `SELECT value, count(*)::bigint AS count FROM customer_tag WHERE tag_id = $1 GROUP BY 1`,
      [tagId],
    )) as { value: unknown; count: string }[];
    return rows.map((row) => ({ value: row.value, count: Number(row.count) }));
  }

  private async buckets(
    source: string,
    parameters: unknown[],
    manager?: EntityManager,
  ): Promise<BucketCount[]> {
    // width_bucket(x, cuts) is the number of cuts <= x: the group of the training distribution.
    const rows = (await this.runner(manager).query(
      `SELECT CASE WHEN jsonb_typeof(v) = 'number'
                   THEN width_bucket((v #>> '{}')::numeric, $1::numeric[]) ELSE -1 END AS bucket,
              count(*)::bigint AS count
         FROM (${source}) s
        GROUP BY 1`,
      parameters,
    )) as { bucket: number; count: string }[];
    return rows.map((row) => ({ bucket: Number(row.bucket), count: Number(row.count) }));
  }
}
