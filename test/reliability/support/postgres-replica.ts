import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, onProcessExit, sleep } from './child-process';
import { PostgresCluster } from './postgres-cluster';

const BIN = process.env.RELIABILITY_PG_BIN ?? '/usr/lib/postgresql/15/bin';

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// A hot standby of a scenario's own Postgres cluster, on loopback: `pg_basebackup -R` into a temp
// directory, then a second postgres on another port streaming from the primary. Stopped and its
// directory removed in every case (destroy, or at process exit).
export class PostgresReplica {
  private readonly forget: () => void;
  private stopped = true;

  private constructor(
    private readonly primary: PostgresCluster,
    readonly base: string,
    readonly port: number,
  ) {
    this.forget = onProcessExit(() => {
      spawnSync(
        'su',
        ['postgres', '-s', '/bin/sh', '-c', `${BIN}/pg_ctl -D ${quote(this.dataDir)} -m immediate -w stop`],
        {
          timeout: 30_000,
        },
      );
      rmSync(this.base, { recursive: true, force: true });
    });
  }

  static async create(primary: PostgresCluster): Promise<PostgresReplica> {
    const base = mkdtempSync(join(tmpdir(), 'tagforge-rel-replica-'));
    const replica = new PostgresReplica(primary, base, await freePort());
    try {
      const ids = PostgresCluster.postgresIds();
      chownSync(base, ids.uid, ids.gid);
      await primary.asPostgres(
        `${BIN}/pg_basebackup -h 127.0.0.1 -p ${primary.port} -U postgres -D ${quote(replica.dataDir)} -R -X stream -c fast`,
      );
      await replica.start();
      return replica;
    } catch (error) {
      await replica.destroy();
      throw error;
    }
  }

  get dataDir(): string {
    return join(this.base, 'data');
  }

  databaseUrl(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  // hot_standby_feedback: a long export on the replica is not cancelled by the primary's vacuum
  // (as recommended for a serving replica, docs/scaling.md).
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-k /tmp',
      '-c listen_addresses=127.0.0.1',
      '-c hot_standby=on',
      '-c hot_standby_feedback=on',
      '-c max_connections=200',
    ].join(' ');
    await this.primary.asPostgres(
      `${BIN}/pg_ctl -D ${quote(this.dataDir)} -l ${quote(join(this.base, 'server.log'))} -o ${quote(options)} -w -t 60 start`,
    );
    this.stopped = false;
    // Up once it accepts connections in recovery.
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

  async destroy(): Promise<void> {
    if (!this.stopped) {
      await this.primary
        .asPostgres(`${BIN}/pg_ctl -D ${quote(this.dataDir)} -m immediate -w -t 60 stop`)
        .catch(() => undefined);
      this.stopped = true;
    }
    rmSync(this.base, { recursive: true, force: true });
    this.forget();
  }

  logTail(lines = 20): string {
    const file = join(this.base, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
  }
}
