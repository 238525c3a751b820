import { Queue, type Job } from 'bullmq';
import { QueueName } from '@tagforge/queue';
import type { Deployment } from './deployment';

// A read-only look at a run's BullMQ jobs in the scenario's own Redis, for evidence: which chunk is
// being processed right now, and which chunks BullMQ has given up on (and why).
export class RunJobs {
  private readonly queue: Queue;

  constructor(deployment: Deployment) {
    this.queue = new Queue(QueueName.Runs, {
      connection: { host: '127.0.0.1', port: deployment.redis.port, maxRetriesPerRequest: 1 },
      prefix: '{tagforge}',
    });
    this.queue.on('error', () => undefined);
  }

  private static ofRun(jobs: readonly (Job | undefined)[], runId: string): Job[] {
    return jobs.filter(
      (job): job is Job => job !== undefined && job.name === 'run-chunk' && job.data?.runId === runId,
    );
  }

  // Chunks of the run a worker holds at this moment.
  async activeChunks(runId: string): Promise<{ chunk: number; processedOn: number }[]> {
    return RunJobs.ofRun(await this.queue.getActive(), runId).map((job) => ({
      chunk: job.data.chunk as number,
      processedOn: job.processedOn ?? 0,
    }));
  }

  // Chunks BullMQ has failed for good, with the reason and the attempts made.
  async failedChunks(runId: string): Promise<string[]> {
    return RunJobs.ofRun(await this.queue.getFailed(), runId).map(
      (job) => `chunk ${job.data.chunk}: ${job.failedReason} (attempts made ${job.attemptsMade})`,
    );
  }

  async describe(runId: string, deployment: Deployment): Promise<string> {
    const run = await deployment.db.query<{
      status: string;
      done: number;
      total: number;
      chunks: number | null;
    }>(`SELECT status, done, total, (result->>'chunks')::int AS chunks FROM evaluation_run WHERE id = $1`, [
      runId,
    ]);
    const recorded = await deployment.db.query<{ chunk: number }>(
      `SELECT chunk FROM evaluation_run_chunk WHERE run_id = $1 ORDER BY chunk`,
      [runId],
    );
    const counts = await this.queue.getJobCounts();
    const row = run.rows[0];
    return [
      `run ${row?.status} ${row?.done}/${row?.total}, chunks recorded [${recorded.rows.map((r) => r.chunk).join(', ')}] of ${row?.chunks}`,
      `runs queue ${JSON.stringify(counts)}`,
      `failed chunk jobs: ${(await this.failedChunks(runId)).join('; ') || 'none'}`,
    ].join('; ');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
