import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { onProcessExit, runCommand } from './child-process';

export const PG_BIN = process.env.RELIABILITY_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// initdb and postgres refuse to run as root: every pg command runs as the postgres user.
export async function asPostgres(command: string): Promise<void> {
  if (userInfo().username === 'postgres') {
    await runCommand('sh', ['-c', command], { timeoutMs: 120_000 });
  } else {
    await runCommand('su', ['postgres', '-s', '/bin/sh', '-c', command], { timeoutMs: 120_000 });
  }
}

function asPostgresSync(command: string): void {
  if (userInfo().username === 'postgres') spawnSync('sh', ['-c', command], { timeout: 30_000 });
  else spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { timeout: 30_000 });
}

export function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user on this machine (needed to run initdb)');
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

// A postgres of a scenario's own in a temporary directory (data in `data/`, its log beside it), on a
// loopback port: started and stopped with pg_ctl, stopped and removed in every case (destroy, or at
// process exit).
export abstract class PostgresServer {
  private readonly forget: () => void;
  private stopped = true;

  protected constructor(
    readonly base: string,
    readonly port: number,
  ) {
    this.forget = onProcessExit(() => {
      asPostgresSync(`${PG_BIN}/pg_ctl -D ${quote(this.dataDir)} -m immediate -w stop`);
      rmSync(this.base, { recursive: true, force: true });
    });
  }

  // The settings beyond the port, the socket directory and the address.
  protected abstract settings(): string[];

  get dataDir(): string {
    return join(this.base, 'data');
  }

  databaseUrl(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  async start(): Promise<void> {
    const options = [`-p ${this.port}`, '-k /tmp', '-c listen_addresses=127.0.0.1', ...this.settings()].join(
      ' ',
    );
    await asPostgres(
      `${PG_BIN}/pg_ctl -D ${quote(this.dataDir)} -l ${quote(join(this.base, 'server.log'))} -o ${quote(options)} -w -t 60 start`,
    );
    this.stopped = false;
  }

  // fast: roll back open transactions and close every session, as a restart by an operator does.
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres(`${PG_BIN}/pg_ctl -D ${quote(this.dataDir)} -m ${mode} -w -t 60 stop`);
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
}
