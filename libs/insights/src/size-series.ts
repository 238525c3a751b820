// Size over time from the rollup (pure): calendar intervals in UTC and, per interval, the size at its
// end with the customers who entered and exited during it.

export const SIZE_INTERVALS = ['day', 'week', 'month'] as const;
export type SizeInterval = (typeof SIZE_INTERVALS)[number];

export const MAX_SIZE_POINTS = 1000;

const DAY_MS = 86_400_000;

export interface Bucket {
  start: Date;
  end: Date;
}

// A day of the rollup ('YYYY-MM-DD'): the events of (day 00:00, next day 00:00].
export interface SizeDelta {
  day: string;
  entered: number;
  exited: number;
}

export interface SizePoint {
  start: string;
  end: string;
  size: number;
  entered: number;
  exited: number;
}

// The start (UTC midnight) of the interval holding `instant`; weeks start on Monday (ISO 8601).
export function intervalStart(instant: Date, interval: SizeInterval): Date {
  const day = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate()));
  switch (interval) {
    case 'day':
      return day;
    case 'week':
      return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
    case 'month':
      return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
  }
}

export function nextIntervalStart(start: Date, interval: SizeInterval): Date {
  switch (interval) {
    case 'day':
      return new Date(start.getTime() + DAY_MS);
    case 'week':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'month':
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

// The intervals (start, end] from the one holding `from` to the one holding `to`. An interval holds
// the instants after its start up to and including its end, as asOf reads history: the size at its
// end is the membership asOf its end.
export function sizeBuckets(from: Date, to: Date, interval: SizeInterval): Bucket[] {
  if (from.getTime() > to.getTime()) throw new RangeError('from must not be after to');
  const buckets: Bucket[] = [];
  // An instant exactly at midnight closes the interval before it.
  let start = intervalStart(new Date(from.getTime() - 1), interval);
  const last = intervalStart(new Date(to.getTime() - 1), interval);
  while (start.getTime() <= last.getTime()) {
    if (buckets.length === MAX_SIZE_POINTS) {
      throw new RangeError(
        `at most ${MAX_SIZE_POINTS} intervals; choose a longer interval or a shorter range`,
      );
    }
    const end = nextIntervalStart(start, interval);
    buckets.push({ start, end });
    start = end;
  }
  return buckets;
}

export function dayKey(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

// Per bucket: the size at its end (every rollup day up to it summed), entered and exited within it.
// `deltas` are the audience's rollup days, oldest first, from the beginning of its history.
export function sizeSeries(deltas: readonly SizeDelta[], buckets: readonly Bucket[]): SizePoint[] {
  const points: SizePoint[] = [];
  let size = 0;
  let next = 0;
  for (const bucket of buckets) {
    // Rollup day d covers (d, d+1]: it belongs to the bucket whose days include d.
    const lastDay = dayKey(new Date(bucket.end.getTime() - DAY_MS));
    const firstDay = dayKey(bucket.start);
    let entered = 0;
    let exited = 0;
    while (next < deltas.length && deltas[next].day <= lastDay) {
      const delta = deltas[next];
      size += delta.entered - delta.exited;
      if (delta.day >= firstDay) {
        entered += delta.entered;
        exited += delta.exited;
      }
      next += 1;
    }
    points.push({
      start: bucket.start.toISOString(),
      end: bucket.end.toISOString(),
      size,
      entered,
      exited,
    });
  }
  return points;
}
