import { describe, expect, it } from 'vitest';
import type { ReportSlice } from '../api/types';
import { formatLift, formatPoints, formatPValue, formatRate } from './format';
import { headlineOutcome, outcomeRows, OUTCOMES } from './report';

const rate = (count: number, members: number) => ({
  count,
  rate: members === 0 ? null : count / members,
  interval: members === 0 ? null : { low: 0, high: 1 },
});
const none = {
  difference: null,
  differenceInterval: null,
  relativeLift: null,
  relativeLiftInterval: null,
  z: null,
  pValue: null,
};
const outcomes = (converted: number, members: number) =>
  Object.fromEntries(
    OUTCOMES.map((outcome) => [outcome, rate(outcome === 'converted' ? converted : 0, members)]),
  );

const slice = {
  groups: [
    { group: 'target', members: 90, outcomes: outcomes(18, 90) },
    { group: 'control', members: 10, outcomes: outcomes(1, 10) },
  ],
  lift: {
    ...Object.fromEntries(OUTCOMES.map((outcome) => [outcome, none])),
    converted: { ...none, difference: 0.1, relativeLift: 1, pValue: 0.42 },
  },
} as unknown as ReportSlice;

describe('a campaign report', () => {
  it('has a row per outcome someone has, target and control side by side with the lift', () => {
    const rows = outcomeRows(slice);
    expect(rows.map((row) => row.outcome)).toEqual(['converted']);
    expect(rows[0].target).toMatchObject({ count: 18, rate: 0.2, members: 90 });
    expect(rows[0].control).toMatchObject({ count: 1, rate: 0.1, members: 10 });
    expect(rows[0].lift.relativeLift).toBe(1);
    expect(
      headlineOutcome({ total: slice, campaignId: 'c', frozenAt: '', holdoutPercent: 10 } as never),
    ).toBe('converted');
  });

  it('has no control side without a holdout', () => {
    const rows = outcomeRows({ ...slice, groups: [slice.groups[0]] });
    expect(rows[0].control).toBeNull();
  });

  it('formats rates, lifts in percent and differences in points, per locale', () => {
    expect(formatRate(0.1234, 'en-US')).toBe('12.3%');
    expect(formatLift(0.5, 'en-US')).toBe('+50.0%');
    expect(formatLift(-0.25, 'zh-CN')).toBe('-25.0%');
    expect(formatLift(null, 'en-US')).toBe('—');
    expect(formatPoints(0.031, 'en-US')).toBe('+3.1 pp');
    expect(formatPValue(0.00001, 'en-US')).toBe('< 0.0001');
    expect(formatPValue(0.04567, 'en-US')).toBe('0.0457');
  });
});
