import type { DefaultJobOptions } from 'bullmq';
import { JobName } from './job-catalog';

// Retry, backoff and retention defaults, in one place. Failed jobs are kept long enough to inspect;
// completed ones only briefly (history lives in Postgres, not Redis).
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
};

// Deterministic ids make a second enqueue of the same work a no-op while the first is pending.
export function deduplicationId(name: JobName, data: { customerId?: string }): string | undefined {
  switch (name) {
    case JobName.EvaluateCustomer:
      return `${name}:${data.customerId}`;
  }
}
