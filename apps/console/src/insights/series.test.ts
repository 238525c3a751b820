import { describe, expect, it } from 'vitest';
import { intervalLabel, latestPoint, seriesColumns } from './series';

const points = [
  {
    start: '2026-12-01T00:00:00.000Z',
    end: '2026-12-02T00:00:00.000Z',
    size: 10,
    entered: 10,
    exited: 0,
    complete: true,
  },
  {
    start: '2026-12-02T00:00:00.000Z',
    end: '2026-12-03T00:00:00.000Z',
    size: 12,
    entered: 3,
    exited: 1,
    complete: false,
  },
];

describe('a size series', () => {
  it('becomes chart columns, the running interval last', () => {
    expect(seriesColumns(points)).toEqual({
      ends: ['2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
      sizes: [10, 12],
      entered: [10, 3],
      exited: [0, 1],
    });
    expect(latestPoint(points)).toMatchObject({ entered: 3, exited: 1, complete: false });
    expect(latestPoint([])).toBeUndefined();
  });

  it('labels an interval by the UTC day or month it starts on, whatever the viewer’s zone', () => {
    expect(intervalLabel(points[0], 'en-US', 'day')).toBe('12/01');
    expect(intervalLabel(points[0], 'zh-CN', 'day')).toBe('12/01');
    expect(intervalLabel({ start: '2026-11-01T00:00:00.000Z', end: '' }, 'en-US', 'month')).toBe('Nov 2026');
  });
});
