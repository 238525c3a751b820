import { chownSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './child-process';
import { PG_BIN, PostgresServer, asPostgres, postgresIds, quote } from './postgres-server';

// A throw-away Postgres cluster of our own, for the scenario that restarts Postgres: the shared
// server on 5432 is in use by others and must never be stopped.
export class PostgresCluster extends PostgresServer {
  private constructor(
    base: string,
    port: number,
    private readonly synchronousCommit: boolean,
  ) {
    super(base, port);
  }

  // synchronousCommit: commits flush their WAL (and so reach a standby) at once, as in production;
  // otherwise the WAL writer sends them within its 200 ms cycle.
  static async create(options: { synchronousCommit?: boolean } = {}): Promise<PostgresCluster> {
    const base = mkdtempSync(join(tmpdir(), 'tagforge-rel-pg-'));
    const cluster = new PostgresCluster(base, await freePort(), options.synchronousCommit ?? false);
    mkdirSync(cluster.dataDir);
    const postgres = postgresIds();
    chownSync(base, postgres.uid, postgres.gid);
    chownSync(cluster.dataDir, postgres.uid, postgres.gid);
    await asPostgres(`${PG_BIN}/initdb -D ${quote(cluster.dataDir)} -U postgres --auth=trust -E UTF8`);
    await cluster.start();
    return cluster;
  }

  get adminUrl(): string {
    return this.databaseUrl('postgres');
  }

  // Durability is not under test here (the process restarts, the machine does not), so skip fsync.
  protected override settings(): string[] {
    return [
      '-c fsync=off',
      `-c synchronous_commit=${this.synchronousCommit ? 'on' : 'off'}`,
      '-c max_connections=200',
    ];
  }
}
