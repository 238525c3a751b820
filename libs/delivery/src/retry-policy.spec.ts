import fc from 'fast-check';
import {
  afterFailure,
  classifyStatus,
  parseRetryAfter,
  retryDelayMs,
  type RetryPolicy,
} from './retry-policy';

const policy: RetryPolicy = {
  baseDelayMs: 1000,
  maxDelayMs: 3_600_000,
  windowMs: 24 * 3_600_000,
  disableAfterFailures: 50,
};

describe('retry policy', () => {
  it('delivers on 2xx, retries 5xx, 408, 429 and no answer, dead-letters other 4xx and 3xx', () => {
    expect([200, 201, 204, 299].map(classifyStatus)).toEqual(Array(4).fill('delivered'));
    expect([500, 502, 503, 408, 429, null].map(classifyStatus)).toEqual(Array(6).fill('retry'));
    expect([400, 401, 403, 404, 410, 413, 422, 301, 302, 307].map(classifyStatus)).toEqual(
      Array(10).fill('dead_letter'),
    );
  });

  it('backs off exponentially with jitter between half and all of the capped step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, r) => {
          const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
          const delay = retryDelayMs(n, policy, () => r, null);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(delay).toBeLessThanOrEqual(step);
        },
      ),
    );
    expect(retryDelayMs(1, policy, () => 0, null)).toBe(500);
    expect(retryDelayMs(4, policy, () => 1, null)).toBe(8000);
    expect(retryDelayMs(30, policy, () => 1, null)).toBe(3_600_000);
  });

  it('honours a longer Retry-After, never past the retry window', () => {
    expect(retryDelayMs(1, policy, () => 0, 120_000)).toBe(120_000);
    expect(retryDelayMs(20, policy, () => 1, 5000)).toBe(policy.maxDelayMs);
    expect(retryDelayMs(1, policy, () => 0, 10 * 24 * 3_600_000)).toBe(policy.windowMs);
    const now = Date.parse('2026-12-01T08:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 08:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('disables after so many failures in a row, or once retrying would outlast the window', () => {
    const now = Date.parse('2026-12-01T08:00:00Z');
    expect(
      afterFailure({ consecutiveFailures: 3, failingSinceMs: now - 10_000 }, now, policy, () => 0.5, null),
    ).toEqual({
      kind: 'retry',
      delayMs: 3000,
    });
    expect(
      afterFailure({ consecutiveFailures: 50, failingSinceMs: now }, now, policy, () => 0, null),
    ).toMatchObject({
      kind: 'disable',
      reason: '50 consecutive failed attempts',
    });
    expect(
      afterFailure(
        { consecutiveFailures: 30, failingSinceMs: now - 23.5 * 3_600_000 },
        now,
        policy,
        () => 1,
        null,
      ),
    ).toMatchObject({ kind: 'disable', reason: expect.stringMatching(/retry window \(24 h\)/) });
  });

  it('spreads a day of retries over about 36 attempts with the defaults', () => {
    let failures = 0;
    let elapsed = 0;
    for (;;) {
      failures += 1;
      const step = afterFailure(
        { consecutiveFailures: failures, failingSinceMs: 0 },
        elapsed,
        policy,
        () => 0.5,
        null,
      );
      if (step.kind === 'disable') break;
      elapsed += step.delayMs;
    }
    expect(elapsed).toBeGreaterThan(20 * 3_600_000);
    expect(failures).toBeGreaterThan(25);
    expect(failures).toBeLessThan(policy.disableAfterFailures);
  });
});
