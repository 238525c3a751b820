import type { SizePoint } from '../api/types';

// A size series as chart columns, and the interval still running (today, for daily points).
export interface SeriesColumns {
  ends: string[];
  sizes: number[];
  entered: number[];
  exited: number[];
}

export function seriesColumns(points: readonly SizePoint[]): SeriesColumns {
  return {
    ends: points.map((point) => point.end),
    sizes: points.map((point) => point.size),
    entered: points.map((point) => point.entered),
    exited: points.map((point) => point.exited),
  };
}

// The last point: with daily points, today's entered and exited (complete: false while it runs).
export function latestPoint(points: readonly SizePoint[]): SizePoint | undefined {
  return points[points.length - 1];
}

// An interval's label in the viewer's locale: the UTC day (or month) it starts on. Intervals are
// UTC days, ISO weeks and calendar months, so a label in local time could name the wrong day.
export function intervalLabel(
  point: Pick<SizePoint, 'start' | 'end'>,
  locale: string,
  interval: string,
): string {
  const start = new Date(point.start);
  const options: Intl.DateTimeFormatOptions =
    interval === 'month'
      ? { year: 'numeric', month: 'short', timeZone: 'UTC' }
      : { month: '2-digit', day: '2-digit', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(locale, options).format(start);
}
