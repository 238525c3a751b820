import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

// tag_event is range-partitioned by month. Partitions are created ahead of time: a month's rows
// that land in the default partition would block creating that month's partition later.
@Injectable()
export class HistoryPartitionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ensureMonthlyPartitions(from: Date, monthsAhead: number): Promise<string[]> {
    const created: string[] = [];
    for (let offset = 0; offset <= monthsAhead; offset += 1) {
      const start = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + offset, 1));
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
      const name = `tag_event_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
      // Through a SECURITY DEFINER function (migration Trust): the services' role does not own tag_event.
      const rows: { created: boolean }[] = await this.dataSource.query(
        `SELECT tagforge_ensure_history_partition($1, $2, $3) AS created`,
        [name, start.toISOString(), end.toISOString()],
      );
      if (!rows[0].created) continue;
      created.push(name);
    }
    return created;
  }
}
