import { createDataSource, HistoryPartitionRepository } from '@tagforge/persistence';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../support/test-database';

// Every worker and API process ensures the coming months' history partitions at start; several
// starting at once (two workers, a restart of the whole stack) must all succeed, each month created once.
describe('history partitions', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const dataSources: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 6; i += 1) {
      const dataSource = createDataSource({
        url: database.url,
        poolSize: 1,
        applicationName: `partitions-${i}`,
      });
      await dataSource.initialize();
      dataSources.push(dataSource);
    }
  });
  afterAll(async () => {
    await Promise.all(dataSources.map((dataSource) => dataSource.destroy()));
    await database.drop();
  });

  it('creates each missing month once when processes start at the same moment', async () => {
    // Months far ahead, so none exists yet: every caller finds all of them missing.
    const from = new Date(Date.UTC(2041, 0, 1));
    const results = await Promise.all(
      dataSources.map((dataSource) =>
        new HistoryPartitionRepository(dataSource).ensureMonthlyPartitions(from, 11),
      ),
    );
    const created = results.flat().sort();
    expect(created).toHaveLength(12);
    expect(new Set(created).size).toBe(12);
    const rows: { n: number }[] = await dataSources[0].query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'tag_history_y2041m%' AND relkind = 'r'`,
    );
    expect(rows[0].n).toBe(12);
  });
});
