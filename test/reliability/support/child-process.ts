import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPO_ROOT } from './settings';

// Synchronous last resorts run when this process exits, however it exits: no child, cluster or
// database a scenario started may outlive the suite.
const lastResorts = new Set<() => void>();
let hooksInstalled = false;

function runLastResorts(): void {
  for (const cleanup of [...lastResorts].reverse()) {
    try {
      cleanup();
    } catch {
      // keep going: the other children must still be killed
    }
  }
  lastResorts.clear();
}

export function onProcessExit(cleanup: () => void): () => void {
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.on('exit', runLastResorts);
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        runLastResorts();
        process.exit(code);
      });
    }
  }
  lastResorts.add(cleanup);
  return () => lastResorts.delete(cleanup);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A port nothing listens on right now (the shared services and other engineers hold the defaults).
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

// Resident memory of a process in MiB, from /proc; null once it has gone.
export function residentMegabytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

// CPU time (user + system) a process has used so far, in seconds; null once it has gone.
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // After the parenthesised command name: state is field 1, utime 12 and stime 13 (clock ticks).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

// A long-running child (API, worker, redis-server) whose output goes to a log file.
export class ServiceProcess {
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  // set when the scenario itself kills or stops the process: its exit is then no failure
  private exitIntended = false;
  private readonly exited: Promise<void>;
  private readonly forget: () => void;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.forget();
        resolve();
      }),
    );
    this.forget = onProcessExit(() => {
      if (this.exitInfo === null) child.kill('SIGKILL');
    });
  }

  static start(
    name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    logFile: string,
  ): ServiceProcess {
    const log = openSync(logFile, 'a');
    try {
      const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', log, log] });
      child.on('error', () => undefined);
      return new ServiceProcess(name, logFile, child);
    } finally {
      closeSync(log);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  describeExit(): string {
    return this.exitInfo === null
      ? 'running'
      : `exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal})`;
  }

  residentMegabytes(): number | null {
    return this.running ? residentMegabytes(this.child.pid) : null;
  }

  // Up, or gone because the scenario wanted it gone.
  get healthy(): boolean {
    return this.running || this.exitIntended;
  }

  assertRunning(): void {
    if (!this.running) throw new Error(`${this.name} ${this.describeExit()}:\n${this.logTail()}`);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  // Resolves once the process has exited (or the timeout passed, returning false).
  async waitForExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  // The fault: no shutdown hook runs, locks and transactions are left to their owners' timeouts.
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.exitIntended = true;
    this.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.waitForExit(30_000);
  }

  // A clean stop: SIGTERM (drain and close), then SIGKILL after the grace.
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.exitIntended = true;
    this.child.kill('SIGTERM');
    if (!(await this.waitForExit(graceMs))) {
      this.child.kill('SIGKILL');
      await this.waitForExit(10_000);
    }
  }
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A short command (tagctl, initdb, pg_ctl) with a hard time limit; rejects on a non-zero exit.
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; allowFailure?: boolean },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forget = onProcessExit(() => child.kill('SIGKILL'));
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      forget();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      forget();
      const result = {
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (code === 0 || options.allowFailure) resolve(result);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} ${signal ? `killed by ${signal}` : `exited ${code}`}:\n${result.stderr.slice(-2000)}`,
          ),
        );
    });
  });
}
