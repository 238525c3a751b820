import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, onProcessExit, runCommand } from './child-process';

const BIN = process.env.RELIABILITY_PG_BIN ?? '/usr/lib/postgresql/15/bin';

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// A throw-away Postgres cluster of our own, for the scenario that restarts Postgres: the shared
// server on 5432 is in use by others and must never be stopped. initdb refuses to run as root,
// so every pg command runs as the postgres user.
export class PostgresCluster {
  private readonly forget: () => void;
  private stopped = true;

  private constructor(
    readonly base: string,
    readonly port: number,
    private readonly synchronousCommit: boolean,
  ) {
    this.forget = onProcessExit(() => {
      this.asPostgresSync(`${BIN}/pg_ctl -D ${quote(this.dataDir)} -m immediate -w stop`);
      rmSync(this.base, { recursive: true, force: true });
    });
  }

  // synchronousCommit: commits flush their WAL (and so reach a standby) at once, as in production;
  // otherwise the WAL writer sends them within its 200 ms cycle.
  static async create(options: { synchronousCommit?: boolean } = {}): Promise<PostgresCluster> {
    const base = mkdtempSync(join(tmpdir(), 'tagforge-rel-pg-'));
    const cluster = new PostgresCluster(base, await freePort(), options.synchronousCommit ?? false);
    mkdirSync(cluster.dataDir);
    const postgres = PostgresCluster.postgresIds();
    chownSync(base, postgres.uid, postgres.gid);
    chownSync(cluster.dataDir, postgres.uid, postgres.gid);
    await cluster.asPostgres(`${BIN}/initdb -D ${quote(cluster.dataDir)} -U postgres --auth=trust -E UTF8`);
    await cluster.start();
    return cluster;
  }

  get dataDir(): string {
    return join(this.base, 'data');
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  databaseUrl(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  // Durability is not under test here (the process restarts, the machine does not), so skip fsync.
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-k /tmp',
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      `-c synchronous_commit=${this.synchronousCommit ? 'on' : 'off'}`,
      '-c max_connections=200',
    ].join(' ');
    await this.asPostgres(
      `${BIN}/pg_ctl -D ${quote(this.dataDir)} -l ${quote(join(this.base, 'server.log'))} -o ${quote(options)} -w -t 60 start`,
    );
    this.stopped = false;
  }

  // fast: roll back open transactions and close every session, as a restart by an operator does.
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.asPostgres(`${BIN}/pg_ctl -D ${quote(this.dataDir)} -m ${mode} -w -t 60 stop`);
    this.stopped = true;
  }

  async destroy(): Promise<void> {
    if (!this.stopped) await this.stop('immediate').catch(() => undefined);
    rmSync(this.base, { recursive: true, force: true });
    this.forget();
  }

  logTail(lines = 20): string {
    const file = join(this.base, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
  }

  async asPostgres(command: string): Promise<void> {
    if (userInfo().username === 'postgres') {
      await runCommand('sh', ['-c', command], { timeoutMs: 120_000 });
    } else {
      await runCommand('su', ['postgres', '-s', '/bin/sh', '-c', command], { timeoutMs: 120_000 });
    }
  }

  asPostgresSync(command: string): void {
    if (userInfo().username === 'postgres') spawnSync('sh', ['-c', command], { timeout: 30_000 });
    else spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { timeout: 30_000 });
  }

  static postgresIds(): { uid: number; gid: number } {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    if (!line) throw new Error('no postgres user on this machine (needed to run initdb)');
    const fields = line.split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
}
