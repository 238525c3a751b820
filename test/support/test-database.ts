import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// Every jest run has its own template and databases, named after the run's process, so runs that
// overlap on one machine never drop each other's databases.
const RUN = process.env.TAGFORGE_TEST_RUN ?? String(process.pid);
export const TEMPLATE_DATABASE = `tagforge_test_${RUN}_template`;

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// A database per test file, cloned from the migrated template (immich test/medium style).
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tagforge_test_${RUN}_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`));
  return {
    url: databaseUrl(name),
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

// The collation a database is created with: the cluster's default, or TEST_DATABASE_LOCALE for the
// template of a whole run (`icu:en-US` for an ICU locale, or a libc locale such as `en_US.UTF-8`), so
// the suite can run once the way a database created by the official postgres image (en_US.UTF-8) sorts.
export function localeClause(locale = process.env.TEST_DATABASE_LOCALE): string {
  if (locale === undefined || locale === '') return '';
  if (!/^(icu:)?[A-Za-z0-9_.@-]+$/.test(locale))
    throw new Error(`TEST_DATABASE_LOCALE=${locale} is not a locale`);
  return locale.startsWith('icu:')
    ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${locale.slice(4)}' LOCALE 'C.UTF-8'`
    : ` TEMPLATE template0 LOCALE '${locale}'`;
}

export async function recreateDatabase(name: string, locale?: string): Promise<void> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"${localeClause(locale)}`);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Databases left behind by runs whose process has gone (a crash, a killed CI job).
export async function dropStaleTestDatabases(): Promise<void> {
  await admin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'tagforge\\_test\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(/^tagforge_test_(\d+)_/.exec(datname)?.[1]);
      if (Number.isInteger(pid) && alive(pid)) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
