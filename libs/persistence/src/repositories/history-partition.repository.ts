import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

// Held while partitions are created: the function checks, then creates, so two processes starting
// at once (two workers) could both find a month missing and one fail on "already exists".
const PARTITION_LOCK = 7_420_617_313;

// tag_history is range-partitioned by month. Partitions are created ahead of time: a month's rows
// that land in the default partition would block creating that month's partition later.
@Injectable()
export class HistoryPartitionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ensureMonthlyPartitions(from: Date, monthsAhead: number): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock($1)`, [PARTITION_LOCK]);
      const created: string[] = [];
      for (let offset = 0; offset <= monthsAhead; offset += 1) {
        const start = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + offset, 1));
        const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
        const name = `tag_history_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
        // Through a SECURITY DEFINER function (migration Trust): the services' role does not own tag_history.
        const rows: { created: boolean }[] = await manager.query(
          `SELECT tagforge_ensure_history_partition($1, $2, $3) AS created`,
          [name, start.toISOString(), end.toISOString()],
        );
        if (rows[0].created) created.push(name);
      }
      return created;
    });
  }
}
