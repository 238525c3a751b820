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
      const exists: unknown[] = await this.dataSource.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [
        name,
      ]);
      if (exists.length > 0) continue;
      // Identifiers cannot be parameters; the name and bounds are built from dates above, not input.
      await this.dataSource.query(
        `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF tag_event
           FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`,
      );
      created.push(name);
    }
    return created;
  }
}
