import type { Client, Pool } from 'pg';

// The server settings a bench's figures depend on, printed beside them (docs/performance.md).
const SETTINGS = [
  'server_version',
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'synchronous_commit',
  'autovacuum',
  'jit',
] as const;

export async function describePostgres(db: Client | Pool): Promise<string> {
  const { rows } = await db.query<{ name: string; value: string }>(
    `SELECT name, current_setting(name) AS value FROM unnest($1::text[]) WITH ORDINALITY AS s(name, n) ORDER BY n`,
    [SETTINGS],
  );
  const [version, ...settings] = rows;
  return `postgres ${version.value}: ${settings.map((row) => `${row.name} ${row.value}`).join(', ')}`;
}
