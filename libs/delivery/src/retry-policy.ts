// What happens after an attempt: delivered (2xx), retried later (5xx, 408, 429, timeouts, refused
// connections), or not retried and dead-lettered (any other 4xx; a 3xx, since redirects are not
// followed). Pure.

export type AttemptOutcome = 'delivered' | 'retry' | 'dead_letter';

export function classifyStatus(status: number | null): AttemptOutcome {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 500) return 'retry';
  return 'dead_letter';
}

export interface RetryPolicy {
  // First retry after about this long; doubling per failed attempt.
  baseDelayMs: number;
  // No wait between two attempts longer than this.
  maxDelayMs: number;
  // A batch failing for longer than this disables the destination (nothing is dropped).
  windowMs: number;
  // So many failed attempts in a row disable the destination.
  disableAfterFailures: number;
}

// Retry-After: delta-seconds or an HTTP date; null when absent or unreadable.
export function parseRetryAfter(header: string | undefined, nowMs: number): number | null {
  if (header === undefined) return null;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

// Exponential backoff with "equal jitter": half the capped exponential delay plus a random share of
// the other half, so retries of many destinations spread out but never come sooner than half the
// step. A receiver's Retry-After wins when it asks for longer (up to the cap... and beyond it: the
// receiver knows best, but never past the retry window).
export function retryDelayMs(
  failedAttempts: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | null,
): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const jittered = Math.round(capped / 2 + random() * (capped / 2));
  if (retryAfterMs === null) return jittered;
  return Math.min(Math.max(jittered, retryAfterMs), policy.windowMs);
}

export type FailureStep = { kind: 'retry'; delayMs: number } | { kind: 'disable'; reason: string };

// After a failed attempt (retryable or dead-lettered): retry later, or disable the destination.
export function afterFailure(
  state: { consecutiveFailures: number; failingSinceMs: number },
  nowMs: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | null,
): FailureStep {
  if (state.consecutiveFailures >= policy.disableAfterFailures) {
    return { kind: 'disable', reason: `${state.consecutiveFailures} consecutive failed attempts` };
  }
  const delayMs = retryDelayMs(state.consecutiveFailures, policy, random, retryAfterMs);
  if (nowMs + delayMs - state.failingSinceMs > policy.windowMs) {
    return {
      kind: 'disable',
      reason: `failing for longer than the retry window (${policy.windowMs / 3_600_000} h)`,
    };
  }
  return { kind: 'retry', delayMs };
}
