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

// Deterministic ids: a second enqueue of the same work is a no-op while the first is pending. A
// run's chunk ids include the planning: a chunk job that failed (stalled twice: its worker was killed
// twice) keeps its id in Redis, and a re-planning must be able to enqueue that chunk again.
export function jobIdentity(item: JobItem): { jobId?: string; deduplicationId?: string } {
  switch (item.name) {
    case JobName.EvaluateCustomer:
      return { deduplicationId: `${item.name}:${item.data.customerId}` };
    case JobName.DeliverDestination:
      // One waiting and one active per destination (keepLastIfActive); a lease in Postgres keeps it
      // to one in flight even when Redis forgot the deduplication key.
      return { deduplicationId: `${item.name}:${item.data.destinationId}` };
    case JobName.RunChunk:
      // BullMQ refuses custom ids with other than three colon-separated parts.
      return { jobId: `${item.name}:${item.data.runId}:${item.data.chunk}-${item.data.plannedAt}` };
    case JobName.FinishRun:
      return { jobId: `${item.name}:${item.data.runId}:${item.data.plannedAt}` };
    case JobName.PlanRun:
    case JobName.Reconcile:
    case JobName.ScheduleTimeDependent:
    case JobName.MaintainHistoryPartitions:
    case JobName.CompactAudienceSizes:
      return {};
  }
}

// Job-level retries, where the default's do harm. A delivery job that throws (a pooled connection not
// had in time, Postgres restarting) would wait out BullMQ's backoff holding its deduplication key,
// and every tick's new job for that destination would be dropped meanwhile: the destination stalled
// for 1, 2, 4, ... s. Its work resumes from the cursor in Postgres, the next tick (DESTINATION_POLL_MS)
// enqueues it again, and the receiver's retries have their own policy there.
export function jobAttempts(item: JobItem): { attempts?: number } {
  return item.name === JobName.DeliverDestination ? { attempts: 1 } : {};
}
