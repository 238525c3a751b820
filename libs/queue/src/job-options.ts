import type { DefaultJobOptions } from 'bullmq';
import { JobName, type JobItem } from './job-catalog';

// Retry, backoff and retention defaults, in one place. Failed jobs are kept long enough to inspect;
// completed ones only briefly (history lives in Postgres, not Redis).
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
};

// Deterministic ids: a second enqueue of the same work is a no-op while the first is pending.
export function jobIdentity(item: JobItem): { jobId?: string; deduplicationId?: string } {
  switch (item.name) {
    case JobName.EvaluateCustomer:
      return { deduplicationId: `${item.name}:${item.data.customerId}` };
    case JobName.RunChunk:
      return { jobId: `${item.name}:${item.data.runId}:${item.data.chunk}` };
    case JobName.FinishRun:
      return { jobId: `${item.name}:${item.data.runId}:${item.data.plannedAt}` };
    case JobName.PlanRun:
    case JobName.Reconcile:
    case JobName.ScheduleTimeDependent:
    case JobName.MaintainHistoryPartitions:
      return {};
  }
}
