import type { Command } from 'commander';
import { Client } from 'pg';
import { loadConfig } from '@tagforge/common';
import { describeUrl, migrate, pendingSchemaChanges } from '@tagforge/persistence';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('create the database if needed and apply pending migrations (under an advisory lock)')
    .option('--check', 'fail when the entities and the migrations disagree (uses a scratch database)')
    .action(async (options: { check?: boolean }) => {
      const config = loadConfig();
      if (options.check) {
        process.exitCode = await checkDrift(config.DATABASE_URL);
        return;
      }
      const report = await migrate(config.DATABASE_URL);
      if (report.createdDatabase)
        process.stdout.write(`created database ${describeUrl(config.DATABASE_URL)}\n`);
      process.stdout.write(
        report.applied.length > 0 ? `applied: ${report.applied.join(', ')}\n` : 'schema is up to date\n',
      );
    });
}

async function checkDrift(databaseUrl: string): Promise<number> {
  const scratch = new URL(databaseUrl);
  const scratchName = `tagforge_migrate_check_${process.pid}`;
  scratch.pathname = `/${scratchName}`;
  try {
    const pending = await pendingSchemaChanges(scratch.toString());
    if (pending.length === 0) {
      process.stdout.write('migrations and entities agree\n');
      return 0;
    }
    process.stderr.write(
      `entities and migrations disagree; a migration would need:\n${pending.join(';\n')};\n`,
    );
    return 1;
  } finally {
    const maintenance = new URL(databaseUrl);
    maintenance.pathname = '/postgres';
    const client = new Client({ connectionString: maintenance.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`);
    await client.end();
  }
}
