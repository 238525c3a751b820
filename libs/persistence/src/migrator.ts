import { Client } from 'pg';
import { createDataSource } from './data-source';

// Any constant works as long as every process uses the same one.
const MIGRATION_LOCK_ID = 7_420_617_311;

export interface MigrationReport {
  createdDatabase: boolean;
  applied: string[];
}

export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function unreachablePostgresMessage(url: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return (
    `Cannot reach PostgreSQL at ${describeUrl(url)} (DATABASE_URL): ${reason}. ` +
    'Start it with `docker compose -f docker/compose.yaml up -d postgres`, or with the local package ' +
    '(`pg_ctlcluster 15 main start` on Debian), or point DATABASE_URL at a running server.'
  );
}

// CREATE DATABASE cannot run inside a transaction or be guarded by IF NOT EXISTS, so it is done
// against the maintenance database, tolerating a concurrent creator.
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name))
    throw new Error(`DATABASE_URL names an invalid database "${name}"`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(unreachablePostgresMessage(url, error), { cause: error });
  }
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false; // created by a concurrent process
      throw error;
    }
  } finally {
    await client.end();
  }
}

// Runs pending migrations under a session advisory lock, so an API and workers starting together
// migrate once; the others wait and then find nothing to do.
export async function migrate(url: string): Promise<MigrationReport> {
  const createdDatabase = await ensureDatabase(url);
  // One connection holds the lock while TypeORM runs the migrations on another.
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'tagforge-migrate' });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return { createdDatabase, applied: applied.map((migration) => migration.name) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

// Drift check: after migrating, the entities must describe exactly the schema the migrations made.
export async function pendingSchemaChanges(url: string): Promise<string[]> {
  await migrate(url);
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'tagforge-migrate-check' });
  await dataSource.initialize();
  try {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return sql.upQueries.map((query) => query.query);
  } finally {
    await dataSource.destroy();
  }
}
