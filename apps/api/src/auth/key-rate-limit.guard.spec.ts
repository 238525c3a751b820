import type { AppConfig } from '@tagforge/common';
import { KeyRateLimitGuard } from './key-rate-limit.guard';

const guardOf = (perSecond: number) =>
  new KeyRateLimitGuard({ RATE_LIMIT_PER_SECOND: perSecond } as AppConfig);

describe('KeyRateLimitGuard token buckets', () => {
  const guards: KeyRateLimitGuard[] = [];
  const make = (perSecond: number) => {
    const guard = guardOf(perSecond);
    guards.push(guard);
    return guard;
  };
  afterAll(() => guards.forEach((guard) => guard.onModuleDestroy()));

  it('lets a burst of the limit through, then refuses until a token is back', () => {
    const guard = make(5);
    const left = [1, 2, 3, 4, 5].map(() => guard.take('key:a', 1000));
    expect(left).toEqual([4, 3, 2, 1, 0]);
    // No token: minus the whole token still missing, and nothing taken.
    expect(guard.take('key:a', 1000)).toBe(-1);
    expect(guard.take('key:a', 1100)).toBeCloseTo(-0.5);
    // 200 ms at 5/s bring one token back.
    expect(guard.take('key:a', 1200)).toBeCloseTo(0);
    expect(guard.take('key:a', 1200)).toBeLessThan(0);
  });

  it('counts every key (and address) on its own', () => {
    const guard = make(2);
    expect(guard.take('key:a', 0)).toBe(1);
    expect(guard.take('key:a', 0)).toBe(0);
    expect(guard.take('key:a', 0)).toBeLessThan(0);
    expect(guard.take('key:b', 0)).toBe(1);
    expect(guard.take('ip:127.0.0.1', 0)).toBe(1);
  });

  it('never holds more than the limit after a quiet spell', () => {
    const guard = make(3);
    guard.take('key:a', 0);
    expect(guard.take('key:a', 60_000)).toBe(2);
  });
});
