import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import type { Pool } from 'pg';
import { getStatus } from './api-http';

// USER_HZ on Linux, the unit of /proc/<pid>/stat times.
const CLOCK_TICKS_PER_SECOND = 100;

// The API and the worker run from dist as child processes, as in production: each has its own event
// loop, and the benchmark can read how much CPU each used.
export class ServiceProcess {
  private exited = false;
  private exitCode: number | null = null;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.exitCode = code ?? (signal === null ? null : 128);
    });
  }

  static start(name: string, entry: string, env: NodeJS.ProcessEnv, logFile: string): ServiceProcess {
    const log = openSync(logFile, 'w');
    try {
      return new ServiceProcess(
        name,
        logFile,
        spawn(process.execPath, [entry], { env, stdio: ['ignore', log, log] }),
      );
    } finally {
      closeSync(log);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async waitUntilReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertRunning();
      if ((await getStatus(url)) === 200) return;
      await sleep(250);
    }
    throw new Error(`${this.name} not ready at ${url} after ${timeoutMs} ms:\n${this.logTail()}`);
  }

  assertRunning(): void {
    if (this.exited) throw new Error(`${this.name} exited with code ${this.exitCode}:\n${this.logTail()}`);
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  cpuSeconds(): number | null {
    return this.child.pid === undefined || this.exited ? null : processCpuSeconds(this.child.pid);
  }

  // SIGTERM (the services drain and close), then SIGKILL if they have not gone within the grace.
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  // From a synchronous 'exit' handler: never leave a child behind.
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

// CPU time (user + system) of a process so far; null where /proc is not readable or it has gone.
export function processCpuSeconds(pid: number): number | null {
  try {
    // Fields after the parenthesised command name: state is the 1st, utime the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

// A port nothing listens on right now (other engineers' services hold the defaults).
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export function runToCompletion(
  entry: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${entry} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface CpuSnapshot {
  at: number;
  services: (number | null)[];
  bench: number;
  backends: Map<number, number>;
  machine: number | null;
}

export interface CpuUse {
  wallSeconds: number;
  // one entry per service, in the order given to the meter
  services: (number | null)[];
  // this process: autocannon or the SQL loop
  bench: number;
  postgres: number;
  // every process on the machine (other engineers' too), in core-seconds
  machine: number | null;
  loadAverage: number;
}

// CPU used during a phase by the services, this process and the Postgres backends of the bench
// database: on a 2-core machine the question is less "how fast" than "who used the cores".
export class CpuMeter {
  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly db: Pool,
  ) {}

  async snapshot(): Promise<CpuSnapshot> {
    const { rows } = await this.db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
    );
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = processCpuSeconds(pid);
      if (seconds !== null) backends.set(pid, seconds);
    }
    const own = process.cpuUsage();
    return {
      at: performance.now(),
      services: this.services.map((service) => service.cpuSeconds()),
      bench: (own.user + own.system) / 1e6,
      backends,
      machine: machineBusySeconds(),
    };
  }

  // Backends that closed during the phase are missed; every pool here keeps its connections open.
  static use(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
    let postgres = 0;
    for (const [pid, seconds] of after.backends) postgres += seconds - (before.backends.get(pid) ?? 0);
    return {
      wallSeconds: (after.at - before.at) / 1000,
      services: after.services.map((seconds, index) => {
        const earlier = before.services[index];
        return seconds === null || earlier === null ? null : seconds - earlier;
      }),
      bench: after.bench - before.bench,
      postgres,
      machine: after.machine === null || before.machine === null ? null : after.machine - before.machine,
      loadAverage: loadavg()[0],
    };
  }
}

export function describeCpu(use: CpuUse, names: readonly string[], benchName: string): string {
  const cores = (seconds: number) =>
    `${seconds.toFixed(1)} s (${(seconds / use.wallSeconds).toFixed(2)} cores)`;
  const parts = use.services.map(
    (seconds, index) => `${names[index]} ${seconds === null ? 'n/a' : cores(seconds)}`,
  );
  return (
    `cpu over ${use.wallSeconds.toFixed(1)} s: ${[...parts, `${benchName} ${cores(use.bench)}`, `postgres ${cores(use.postgres)}`].join(', ')}` +
    `; whole machine ${use.machine === null ? 'n/a' : cores(use.machine)}, load average ${use.loadAverage.toFixed(1)}`
  );
}

// Busy time of all cores so far (user, nice, system, irq, softirq, steal), from /proc/stat.
function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
