import { createDataSource } from '@tagforge/persistence';
import { Client, type Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ADMIN_URL, createTestDatabase } from '../support/test-database';

describe('the data source', () => {
  // Between the pool handing a connection out and its user listening for errors, nobody listens: a
  // Postgres restart at that moment (every backend gets the same FATAL message) used to end the
  // process with an unhandled 'error' event (seen in the postgres-restart fault scenario).
  it('survives Postgres terminating a connection nobody listens on yet', async () => {
    const database = await createTestDatabase();
    const dataSource = createDataSource({
      url: database.url,
      poolSize: 2,
      applicationName: 'tagforge-terminated',
    });
    await dataSource.initialize();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const pool = (dataSource.driver as PostgresDriver).master as Pool;
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
      await admin.query(`SELECT pg_terminate_backend($1)`, [rows[0].pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      client.release(true);
      // The pool replaces the connection: the next query works.
      expect(await dataSource.query(`SELECT 2 AS n`)).toEqual([{ n: 2 }]);
    } finally {
      await admin.end();
      await dataSource.destroy();
      await database.drop();
    }
  });
});
