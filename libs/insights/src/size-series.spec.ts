import { intervalStart, nextIntervalStart, sizeBuckets, sizeSeries } from './size-series';

const at = (text: string) => new Date(text);

describe('size series', () => {
  it('starts weeks on Monday and months on the first, in UTC', () => {
    // 2026-12-03 is a Thursday.
    expect(intervalStart(at('2026-12-03T17:00:00Z'), 'week').toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(intervalStart(at('2026-11-30T00:00:00Z'), 'week').toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(intervalStart(at('2026-12-03T17:00:00Z'), 'month').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(nextIntervalStart(at('2026-01-01T00:00:00Z'), 'month').toISOString()).toBe(
      '2026-02-01T00:00:00.000Z',
    );
    expect(nextIntervalStart(at('2026-12-01T00:00:00Z'), 'month').toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('covers from..to with intervals (start, end]; an instant at midnight closes the day before', () => {
    const days = sizeBuckets(at('2026-11-01T00:00:00Z'), at('2026-11-03T00:00:00Z'), 'day');
    expect(days.map((bucket) => bucket.end.toISOString())).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
      '2026-11-03T00:00:00.000Z',
    ]);
    expect(sizeBuckets(at('2026-11-01T00:00:01Z'), at('2026-11-01T10:00:00Z'), 'day')).toHaveLength(1);
    expect(() => sizeBuckets(at('2026-11-02T00:00:00Z'), at('2026-11-01T00:00:00Z'), 'day')).toThrow(
      RangeError,
    );
    expect(() => sizeBuckets(at('2020-01-01T00:00:00Z'), at('2026-11-01T00:00:00Z'), 'day')).toThrow(
      /at most 1000/,
    );
    expect(sizeBuckets(at('2020-01-01T00:00:00Z'), at('2026-11-01T00:00:00Z'), 'month')).toHaveLength(83);
  });

  it('sums every rollup day up to each interval end and counts moves within it', () => {
    const buckets = sizeBuckets(at('2026-11-02T12:00:00Z'), at('2026-11-04T12:00:00Z'), 'day');
    const points = sizeSeries(
      [
        { day: '2026-10-20', entered: 5, exited: 1 },
        { day: '2026-11-02', entered: 2, exited: 0 },
        { day: '2026-11-04', entered: 1, exited: 3 },
        { day: '2026-11-09', entered: 10, exited: 0 },
      ],
      buckets,
    );
    expect(points.map(({ size, entered, exited }) => ({ size, entered, exited }))).toEqual([
      { size: 6, entered: 2, exited: 0 },
      { size: 6, entered: 0, exited: 0 },
      { size: 4, entered: 1, exited: 3 },
    ]);
    const weekly = sizeSeries(
      [
        { day: '2026-11-29', entered: 4, exited: 0 },
        { day: '2026-11-30', entered: 2, exited: 1 },
        { day: '2026-12-06', entered: 1, exited: 0 },
      ],
      sizeBuckets(at('2026-12-01T00:00:00Z'), at('2026-12-03T00:00:00Z'), 'week'),
    );
    expect(weekly).toEqual([
      { start: '2026-11-30T00:00:00.000Z', end: '2026-12-07T00:00:00.000Z', size: 6, entered: 3, exited: 1 },
    ]);
  });
});
