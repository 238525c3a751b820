// The primary's connection settings. Which reads may go to a replica (DATABASE_READ_URL) is decided
// in read-replica.ts (ReadDataSource); everything else uses the primary DataSource built from these.
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '@tagforge/migrations';
import { ENTITIES } from './entities';

export interface DataSourceSettings {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
}

export function dataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migration',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: settings.poolSize ?? 10,
    applicationName: settings.applicationName ?? 'tagforge',
    // A hung query must not hold a request or a worker forever.
    extra: {
      statement_timeout: settings.statementTimeoutMs ?? 15000,
      connectionTimeoutMillis: 5000,
      idle_in_transaction_session_timeout: 60000,
      onConnect: listenForConnectionErrors,
    },
  };
}

// TypeORM listens for errors of idle pooled connections only. A connection a transaction holds
// between two statements that Postgres terminates (a restart, pg_terminate_backend) emits 'error'
// with no listener, which would bring the whole process down; the transaction's next statement
// fails instead, and that failure is what callers see (503).
function listenForConnectionErrors(client: { on(event: 'error', listener: () => void): unknown }): void {
  client.on('error', () => undefined);
}

export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}
