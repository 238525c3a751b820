import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { onProcessExit, runCommand } from './child-process';
import { ADMIN_DATABASE_URL, CLI_ENTRY, DATABASE_PREFIX } from './settings';

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Databases left by a suite that was killed outright (its pid is part of the name and is gone).
export async function dropAbandonedDatabases(adminUrl = ADMIN_DATABASE_URL): Promise<string[]> {
  return admin(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${DATABASE_PREFIX.replace(/_/g, '\\_')}%`],
    );
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const pid = Number(/_(\d+)$/.exec(datname)?.[1]);
      if (!Number.isInteger(pid) || processAlive(pid)) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

// A database of one scenario, migrated by `tagctl migrate` as a deployment does, dropped at the end.
export class ScenarioDatabase {
  private readonly forget: () => void;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly adminUrl: string,
  ) {
    this.forget = onProcessExit(() => {
      const admin = new URL(adminUrl);
      spawnSync(
        'psql',
        [
          '-h',
          admin.hostname,
          '-p',
          admin.port || '5432',
          '-U',
          decodeURIComponent(admin.username) || 'postgres',
          '-d',
          admin.pathname.slice(1) || 'postgres',
          '-c',
          `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
        ],
        { timeout: 20_000, stdio: 'ignore' },
      );
    });
  }

  static async create(scenario: string, adminUrl = ADMIN_DATABASE_URL): Promise<ScenarioDatabase> {
    const name = `${DATABASE_PREFIX}${scenario.replace(/[^a-z0-9]/g, '_')}_${process.pid}`;
    await admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    const database = new ScenarioDatabase(name, withDatabase(adminUrl, name), adminUrl);
    await runCommand(process.execPath, [CLI_ENTRY, 'migrate'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      timeoutMs: 120_000,
    });
    return database;
  }

  async drop(): Promise<void> {
    await admin(this.adminUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`),
    );
    this.forget();
  }
}
