import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { getText } from './pipeline-http';

// USER_HZ on Linux, the unit of /proc/<pid>/stat times.
export const CLOCK_TICKS_PER_SECOND = 100;

// The API and the worker run as child processes started from dist, as in production, so that
// each has its own event loop (and, on a 2-core machine, the OS can give each its own core).
// How the worker is started in production (package.json start:worker, docker/compose.yaml): a young
// generation large enough for a run chunk's parsed profiles to die in it.
export const WORKER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=64'];

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

  // `nodeArgs`: options for node itself (--cpu-prof is refused in NODE_OPTIONS).
  static start(
    name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    logFile: string,
    nodeArgs: readonly string[] = [],
  ): ServiceProcess {
    const log = openSync(logFile, 'w');
    try {
      const child = spawn(process.execPath, [...nodeArgs, entry], { env, stdio: ['ignore', log, log] });
      return new ServiceProcess(name, logFile, child);
    } finally {
      closeSync(log);
    }
  }

  get running(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  // Polls `url` until it answers 200; fails early, with the end of the log, if the process dies.
  async waitUntilReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`${this.name} exited with code ${this.exitCode} while starting:\n${this.logTail()}`);
      }
      const response = await getText(url);
      if (response?.status === 200) return;
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

  // CPU time (user + system) the process has used so far; null where /proc is not available.
  cpuSeconds(): number | null {
    return this.child.pid === undefined ? null : processCpuSeconds(this.child.pid);
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

  // Last resort from a synchronous 'exit' handler: never leave a child behind.
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

// CPU time (user + system) of any process so far; null where /proc is not available (or it has gone).
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

// A port nothing listens on right now (other engineers' services may hold the defaults).
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
