import { campaignGroup, controlBuckets, holdoutBucket, HOLDOUT_BUCKETS } from './holdout-split';

describe('the holdout split', () => {
  it('is deterministic per seed and customer, and changes with the seed', () => {
    expect(holdoutBucket('spring', 'C0000001')).toBe(holdoutBucket('spring', 'C0000001'));
    const ids = Array.from({ length: 200 }, (_, i) => `C${String(i).padStart(7, '0')}`);
    const moved = ids.filter((id) => holdoutBucket('spring', id) !== holdoutBucket('autumn', id));
    expect(moved.length).toBeGreaterThan(190);
  });

  it('keeps the bucket within range and the control share near the holdout', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `BANK-${i + 1}`);
    const buckets = ids.map((id) => holdoutBucket('seed', id));
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(HOLDOUT_BUCKETS);
    const control = ids.filter((id) => campaignGroup('seed', id, 10) === 'control').length;
    // Binomial(20000, 0.1): sd 42; six of them either way.
    expect(Math.abs(control - 2000)).toBeLessThan(255);
  });

  it('turns percents into buckets exactly, and a 0 % holdout into no control group', () => {
    expect(controlBuckets(10)).toBe(1000);
    expect(controlBuckets(12.5)).toBe(1250);
    expect(controlBuckets(0)).toBe(0);
    expect(campaignGroup('seed', 'C1', 0)).toBe('target');
  });

  it('reads the first 32 bits of md5("seed:id")', () => {
    // md5("s:C1") = 92de3c1d... computed independently with `printf 's:C1' | md5sum`.
    expect(holdoutBucket('s', 'C1')).toBe(Number.parseInt('92de3c1d', 16) % HOLDOUT_BUCKETS);
  });
});
