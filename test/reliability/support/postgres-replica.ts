import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, sleep } from './child-process';
import type { PostgresCluster } from './postgres-cluster';
import { PG_BIN, PostgresServer, asPostgres, postgresIds, quote } from './postgres-server';

// A hot standby of a scenario's own Postgres cluster, on loopback: `pg_basebackup -R` into a temp
// directory, then a second postgres on another port streaming from the primary.
export class PostgresReplica extends PostgresServer {
  static async create(primary: PostgresCluster): Promise<PostgresReplica> {
    const base = mkdtempSync(join(tmpdir(), 'tagforge-rel-replica-'));
    const replica = new PostgresReplica(base, await freePort());
    try {
      const ids = postgresIds();
      chownSync(base, ids.uid, ids.gid);
      await asPostgres(
        `${PG_BIN}/pg_basebackup -h 127.0.0.1 -p ${primary.port} -U postgres -D ${quote(replica.dataDir)} -R -X stream -c fast`,
      );
      await replica.start();
      return replica;
    } catch (error) {
      await replica.destroy();
      throw error;
    }
  }

  // hot_standby_feedback: a long export on the replica is not cancelled by the primary's vacuum
  // (as recommended for a serving replica, docs/scaling.md).
  protected override settings(): string[] {
    return ['-c hot_standby=on', '-c hot_standby_feedback=on', '-c max_connections=200'];
  }

  // Up once it accepts connections in recovery.
  override async start(): Promise<void> {
    await super.start();
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const client = new Client({
          connectionString: this.databaseUrl('postgres'),
          connectionTimeoutMillis: 2000,
        });
        await client.connect();
        const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
        await client.end();
        if (rows[0].recovery) return;
        throw new Error('the replica is not in recovery');
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }
}
