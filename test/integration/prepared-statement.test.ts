import type { DataSource } from 'typeorm';
import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { createDataSource, queryPrepared } from '@tagforge/persistence';
import { createTestDatabase } from '../support/test-database';

// The per-write statements run as named prepared statements on the transaction's own connection:
// they see its uncommitted rows, are planned once per connection, and never fall back to another
// connection when the transaction's one is gone.
describe('queryPrepared', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const insert = {
    name: 'test-insert-profile',
    text: `INSERT INTO customer_profile (customer_id) VALUES ($1)`,
  };
  const read = {
    name: 'test-read-profile',
    text: `SELECT customer_id, version FROM customer_profile WHERE customer_id = $1`,
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({
      url: database.url,
      poolSize: 2,
      applicationName: 'tagforge-prepared-test',
    });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it("runs inside the manager's transaction: its rows are seen there and rolled back with it", async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await queryPrepared(manager, insert, ['PS-1']);
        const { rows } = await queryPrepared<{ customer_id: string }>(manager, read, ['PS-1']);
        expect(rows.map((row) => row.customer_id)).toEqual(['PS-1']);
        // Not visible to another connection before the commit.
        expect((await queryPrepared(dataSource.manager, read, ['PS-1'])).rows).toEqual([]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await queryPrepared(dataSource.manager, read, ['PS-1'])).rows).toEqual([]);
  });

  it('is prepared once per connection: later executions reuse the statement Postgres keeps', async () => {
    await dataSource.transaction(async (manager) => {
      for (const id of ['PS-2', 'PS-3', 'PS-4']) await queryPrepared(manager, insert, [id]);
      const prepared: { name: string }[] = await manager.query(
        `SELECT name FROM pg_prepared_statements WHERE name LIKE 'test-%' ORDER BY name`,
      );
      expect(prepared.map((row) => row.name)).toEqual(['test-insert-profile', 'test-read-profile']);
    });
    const { rows, rowCount } = await queryPrepared(dataSource.manager, read, ['PS-3']);
    expect(rowCount).toBe(1);
    expect(rows).toEqual([{ customer_id: 'PS-3', version: '1' }]);
  });

  it('refuses to run a statement of a transaction whose connection was released', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.release();
    await expect(queryPrepared(runner.manager, read, ['PS-2'])).rejects.toBeInstanceOf(
      QueryRunnerAlreadyReleasedError,
    );
  });
});
