import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { QueryRunnerAlreadyReleasedError, type EntityManager } from 'typeorm';

// A statement of the per-write path (a profile write, one customer's evaluation), sent as a named
// prepared statement: Postgres parses it once per connection and, after a few executions, plans it
// once too. Under 200 writes/s the planning alone was as long as the execution of these statements
// (pg_stat_statements with track_planning, docs/performance.md). Only statements whose generic plan
// stays on the indexes for any input belong here: a bulk statement's plan depends on its array sizes.
export interface PreparedStatement {
  name: string;
  text: string;
}

// Runs the statement on the connection of the manager's transaction (or on the pool's next free
// connection outside one). Errors are pg's own: the API maps them by their SQLSTATE code either way.
export async function queryPrepared<Row extends QueryResultRow>(
  manager: EntityManager,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<QueryResult<Row>> {
  const runner = manager.queryRunner;
  if (runner === undefined) {
    const pool = (manager.connection.driver as unknown as { master: { query: PoolClient['query'] } }).master;
    return pool.query<Row>({ ...statement, values: [...values] });
  }
  // TypeORM releases a transaction's runner when its connection dies: never run the rest of the
  // transaction's statements elsewhere (the API answers this error with a 503).
  if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
  const client = (await runner.connect()) as PoolClient;
  return client.query<Row>({ ...statement, values: [...values] });
}
