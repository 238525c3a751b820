import { Injectable } from '@nestjs/common';
import { ReadDataSource } from '@tagforge/persistence';

export interface HistoryRow {
  seq: string;
  tagId: string;
  oldValue: unknown;
  newValue: unknown;
  tagVersion: number;
  profileVersion: string;
  cause: string;
  runId: string | null;
  at: Date;
}

export interface TagAt {
  tagId: string;
  value: unknown;
  tagVersion: number;
  since: Date;
}

// One customer's history of tag changes (tag_event) and the tags it held at an instant, read where
// serving reads (the replica, if any).
@Injectable()
export class CustomerHistoryRepository {
  constructor(private readonly reads: ReadDataSource) {}

  async tagsAsOf(customerId: string, asOf: Date): Promise<TagAt[]> {
    const rows: { tag_id: string; new_value: unknown; tag_version: number; at: Date }[] =
      await this.reads.query(
        `SELECT tag_id, new_value, tag_version, at FROM (
         SELECT DISTINCT ON (tag_id) tag_id, new_value, tag_version, at FROM tag_event
          WHERE customer_id = $1 AND at <= $2 ORDER BY tag_id, at DESC, seq DESC) last
        WHERE new_value IS NOT NULL ORDER BY tag_id`,
        [customerId, asOf],
      );
    return rows.map((row) => ({
      tagId: row.tag_id,
      value: row.new_value,
      tagVersion: row.tag_version,
      since: row.at,
    }));
  }

  async history(
    customerId: string,
    filter: { tagId?: string; from?: Date; to?: Date; before?: { at: Date; seq: string } },
    limit: number,
  ): Promise<HistoryRow[]> {
    const rows: {
      seq: string;
      tag_id: string;
      old_value: unknown;
      new_value: unknown;
      tag_version: number;
      profile_version: string;
      cause: string;
      run_id: string | null;
      at: Date;
    }[] = await this.reads.query(
      `SELECT seq, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id, at FROM tag_event
        WHERE customer_id = $1 AND ($2::varchar IS NULL OR tag_id = $2)
          AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
          AND ($5::timestamptz IS NULL OR (at, seq) < ($5, $6::bigint))
        ORDER BY at DESC, seq DESC LIMIT $7`,
      [
        customerId,
        filter.tagId ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.before?.at ?? null,
        filter.before?.seq ?? '0',
        limit,
      ],
    );
    return rows.map((row) => ({
      seq: row.seq,
      tagId: row.tag_id,
      oldValue: row.old_value,
      newValue: row.new_value,
      tagVersion: row.tag_version,
      profileVersion: row.profile_version,
      cause: row.cause,
      runId: row.run_id,
      at: row.at,
    }));
  }
}
