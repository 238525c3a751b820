import { cpuSeconds, sleep } from './child-process';
import type { Deployment } from './deployment';
import { describeResult, type HttpClient } from './http-client';
import { sumOf } from './prometheus-text';
import { SHORT, WORK_DIR } from './settings';

const started = Date.now();

// Progress lines on stdout (jest's console adds a stack trace to every line).
export function say(scenario: string, message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${seconds}s] ${scenario}: ${message}\n`);
}

export function announce(scenario: string, what: string): void {
  say(scenario, `${what} (${SHORT ? 'short' : 'long'} form; logs in ${WORK_DIR})`);
}

// Polls until `probe` returns a value, or throws once the timeout has passed.
export async function waitFor<T>(
  description: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${description}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export interface RunView {
  id: string;
  status: string;
  progress: { total: number; done: number; percent: number };
}

export async function startRecompute(http: HttpClient): Promise<string> {
  const result = await http.post('/v1/runs', { kind: 'recompute' });
  if (result.status !== 202) throw new Error(`POST /v1/runs: ${describeResult(result)}`);
  return (result.body as { runId: string }).runId;
}

export async function runView(http: HttpClient, runId: string): Promise<RunView | undefined> {
  const result = await http.get(`/v1/runs/${runId}`, { timeoutMs: 10_000 });
  return result.status === 200 ? (result.body as RunView) : undefined;
}

// Resident memory of every process of the deployment, in MiB.
export function memorySnapshot(deployment: Deployment): Record<string, number | null> {
  const snapshot: Record<string, number | null> = {};
  deployment.apis.forEach((api, index) => (snapshot[`api${index + 1}`] = api.process.residentMegabytes()));
  deployment.workers.forEach(
    (worker, index) => (snapshot[`worker${index + 1}`] = worker.process.residentMegabytes()),
  );
  snapshot.redis = deployment.redis.residentMegabytes();
  return snapshot;
}

// CPU seconds used so far by every process of the deployment.
export function cpuSnapshot(deployment: Deployment): Record<string, number | null> {
  const snapshot: Record<string, number | null> = {};
  deployment.apis.forEach((api, index) => (snapshot[`api${index + 1}`] = cpuSeconds(api.process.pid)));
  deployment.workers.forEach(
    (worker, index) => (snapshot[`worker${index + 1}`] = cpuSeconds(worker.process.pid)),
  );
  snapshot.redis = cpuSeconds(deployment.redis.pid);
  return snapshot;
}

// Jobs that exhausted their attempts, and jobs that failed at least once, over every live worker.
export async function jobFailures(
  deployment: Deployment,
): Promise<{ failedAttempts: number; failedNow: number }> {
  let failedAttempts = 0;
  let failedNow = 0;
  for (const worker of deployment.runningWorkers()) {
    const samples = await worker.metrics();
    if (!samples) continue;
    failedAttempts += sumOf(samples, 'tagforge_jobs_total', (labels) => labels.outcome === 'failed');
    // queue depth is the same Redis seen from every worker: not a sum
    failedNow = Math.max(
      failedNow,
      sumOf(samples, 'tagforge_queue_jobs', (labels) => labels.state === 'failed'),
    );
  }
  return { failedAttempts, failedNow };
}

// Every API and worker process is up, except those the scenario killed or stopped itself.
export function assertProcessesUp(deployment: Deployment): void {
  for (const service of [...deployment.apis, ...deployment.workers]) {
    if (!service.process.healthy) service.process.assertRunning();
  }
}

export interface LockReport {
  longestTransactionSeconds: number;
  longestLockWaitSeconds: number;
  mostWaiting: number;
}

// Samples pg_stat_activity of the scenario's database every second: the longest open transaction,
// the longest wait for a lock and the most sessions waiting at once (evidence for blocked writes).
export function watchLocks(deployment: Deployment): { stop: () => Promise<LockReport> } {
  const report: LockReport = { longestTransactionSeconds: 0, longestLockWaitSeconds: 0, mostWaiting: 0 };
  let running = true;
  const loop = (async () => {
    for (let samples = 0; running && samples < 3600 && !deployment.stopping.signal.aborted; samples += 1) {
      try {
        const { rows } = await deployment.db.query<{
          tx: number | null;
          wait: number | null;
          waiting: number;
        }>(
          `SELECT max(extract(epoch FROM now() - xact_start))::float8 AS tx,
                  max(extract(epoch FROM now() - query_start)) FILTER (WHERE wait_event_type = 'Lock')::float8 AS wait,
                  count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
        );
        report.longestTransactionSeconds = Math.max(report.longestTransactionSeconds, rows[0].tx ?? 0);
        report.longestLockWaitSeconds = Math.max(report.longestLockWaitSeconds, rows[0].wait ?? 0);
        report.mostWaiting = Math.max(report.mostWaiting, rows[0].waiting);
      } catch {
        // the database may be restarting: try again next second
      }
      await sleep(1000);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return {
        longestTransactionSeconds: Math.round(report.longestTransactionSeconds * 10) / 10,
        longestLockWaitSeconds: Math.round(report.longestLockWaitSeconds * 10) / 10,
        mostWaiting: report.mostWaiting,
      };
    },
  };
}
