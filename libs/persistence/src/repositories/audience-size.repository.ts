import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { matches, type MembershipFilter } from './audience.repository';

// The rollup day of a history row: the UTC day of `at - 1 µs`, so the day d holds the events of
// (d 00:00, d+1 00:00] and the size at d's end is exactly the membership asOf d+1 00:00.
export const SIZE_DAY = (at: string) => `((${at} - interval '1 microsecond') AT TIME ZONE 'UTC')::date`;

// The statement that appends the size rollup rows of the history rows `source` (a CTE returning
// tag_id, old_value, new_value, at, cause) — aggregated, one row per tag, day and transition; `sign`
// -1 takes them back (erasure). Appended, never updated: concurrent writers of the same audience and
// day do not queue on one row. Bare erasure exits are notices, not membership changes (migration Insights).
// `last_at` is the latest change a row counts (none for a taking back): an audience's last change is
// the greatest of its rows', one index range away, where the history would be searched change by change.
export function appendSizeRollup(source: string, sign: 1 | -1 = 1): string {
  return `INSERT INTO audience_size_delta (tag_id, day, old_value, new_value, n, last_at)
          SELECT tag_id, ${SIZE_DAY('at')}, old_value, new_value, ${sign === 1 ? '' : '-'}count(*)::int,
                 ${sign === 1 ? 'max(at)' : 'NULL::timestamptz'}
            FROM ${source} WHERE cause <> 'erasure' GROUP BY 1, 2, 3, 4`;
}

// One rollup day of an audience: customers who entered and who exited it that day.
export interface SizeDay {
  day: string;
  entered: number;
  exited: number;
}

@Injectable()
export class AudienceSizeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // Every day up to `lastDay` (inclusive) on which the audience gained or lost members, oldest first.
  // A transition counts as an entry when its new value matches and its old value does not.
  async days(tagId: string, filter: MembershipFilter, lastDay: string): Promise<SizeDay[]> {
    const params: unknown[] = [tagId, lastDay];
    const enters = `(${matches('new_value', filter, params)}) AND NOT (${matches('old_value', filter, params)})`;
    const exits = `(${matches('old_value', filter, params)}) AND NOT (${matches('new_value', filter, params)})`;
    const rows: { day: string; entered: string; exited: string }[] = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day,
              coalesce(sum(n) FILTER (WHERE enters), 0) AS entered,
              coalesce(sum(n) FILTER (WHERE exits), 0) AS exited
         FROM (SELECT day, n, ${enters} AS enters, ${exits} AS exits
                 FROM audience_size_delta WHERE tag_id = $1 AND day <= $2::date) d
        WHERE enters OR exits
        GROUP BY day ORDER BY day`,
      params,
    );
    return rows.map((row) => ({ day: row.day, entered: Number(row.entered), exited: Number(row.exited) }));
  }

  // days() for several audiences of distinct tags in one statement: one scan of the rollup index over
  // their tag ids, each row judged by its own audience's filter. Every asked tag id is in the answer
  // (an empty list when it never changed).
  async daysOfMany(
    audiences: readonly { tagId: string; filter: MembershipFilter }[],
    lastDay: string,
  ): Promise<Map<string, SizeDay[]>> {
    const tagIds = audiences.map((audience) => audience.tagId);
    if (new Set(tagIds).size !== tagIds.length) throw new Error('daysOfMany: each tag id once');
    const answer = new Map<string, SizeDay[]>(tagIds.map((tagId) => [tagId, []]));
    if (audiences.length === 0) return answer;
    const params: unknown[] = [tagIds, lastDay];
    const judged = (kind: 'enters' | 'exits') =>
      `CASE tag_id ${audiences
        .map(({ tagId, filter }) => {
          params.push(tagId);
          const at = `$${params.length}`;
          const [to, from] = kind === 'enters' ? ['new_value', 'old_value'] : ['old_value', 'new_value'];
          return `WHEN ${at} THEN (${matches(to, filter, params)}) AND NOT (${matches(from, filter, params)})`;
        })
        .join(' ')} END`;
    const enters = judged('enters');
    const exits = judged('exits');
    const rows: { tag_id: string; day: string; entered: string; exited: string }[] =
      await this.dataSource.query(
        `SELECT tag_id, to_char(day, 'YYYY-MM-DD') AS day,
                coalesce(sum(n) FILTER (WHERE enters), 0) AS entered,
                coalesce(sum(n) FILTER (WHERE exits), 0) AS exited
           FROM (SELECT tag_id, day, n, ${enters} AS enters, ${exits} AS exits
                   FROM audience_size_delta WHERE tag_id = ANY($1::text[]) AND day <= $2::date) d
          WHERE enters OR exits
          GROUP BY tag_id, day ORDER BY tag_id, day`,
        params,
      );
    for (const row of rows) {
      answer
        .get(row.tag_id)!
        .push({ day: row.day, entered: Number(row.entered), exited: Number(row.exited) });
    }
    return answer;
  }

  // Folds the rows of each (tag, day) that holds more than one row per transition into one per
  // transition. One statement: a reader sees the rows before or after, the same sums either way; a
  // concurrent compaction skips the rows this one deleted; rows appended meanwhile are left for later.
  async compact(): Promise<{ folded: number }> {
    const rows: { folded: number }[] = await this.dataSource.query(
      `WITH crowded AS (
         SELECT tag_id, day FROM audience_size_delta GROUP BY tag_id, day
         HAVING count(*) > count(DISTINCT jsonb_build_array(old_value, new_value))),
       moved AS (
         DELETE FROM audience_size_delta d USING crowded c WHERE d.tag_id = c.tag_id AND d.day = c.day
         RETURNING d.tag_id, d.day, d.old_value, d.new_value, d.n, d.last_at),
       folded AS (
         INSERT INTO audience_size_delta (tag_id, day, old_value, new_value, n, last_at)
         SELECT tag_id, day, old_value, new_value, sum(n)::int, max(last_at) FROM moved GROUP BY 1, 2, 3, 4
         HAVING sum(n) <> 0
         RETURNING 1)
       SELECT (SELECT count(*) FROM moved)::int AS folded`,
    );
    return { folded: rows[0].folded };
  }

  // Rebuilds the rollup from the history (the migration's backfill; bench loaders that write history
  // with COPY call it too).
  async rebuild(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM audience_size_delta`);
      await manager.query(
        `WITH history AS (SELECT tag_id, old_value, new_value, at, cause FROM tag_event) ${appendSizeRollup('history')}`,
      );
    });
  }
}
