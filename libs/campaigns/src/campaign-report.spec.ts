import { campaignReport, compareProportions } from './campaign-report';
import { differenceInterval, wilsonInterval } from './proportions';

describe('campaignReport', () => {
  const rows = [
    { group: 'target' as const, value: 'tier1', members: 70, outcomes: { converted: 56, contacted: 70 } },
    { group: 'control' as const, value: 'tier1', members: 80, outcomes: { converted: 48 } },
    { group: 'target' as const, value: null, members: 30, outcomes: { converted: 3 } },
    { group: 'control' as const, value: 'tier2', members: 5, outcomes: {} },
  ];

  it('sums the groups and compares target with control per outcome', () => {
    const report = campaignReport(rows, false);
    expect(report.values).toBeUndefined();
    const [target, control] = report.total.groups;
    expect(target).toMatchObject({ group: 'target', members: 100 });
    expect(target.outcomes.converted).toEqual({ count: 59, rate: 0.59, interval: wilsonInterval(59, 100) });
    expect(target.outcomes.contacted.count).toBe(70);
    expect(control).toMatchObject({ group: 'control', members: 85 });
    expect(control.outcomes.defaulted).toEqual({ count: 0, rate: 0, interval: wilsonInterval(0, 85) });
    const lift = report.total.lift.converted;
    expect(lift.difference).toBeCloseTo(0.59 - 48 / 85, 12);
    expect(lift.differenceInterval).toEqual(differenceInterval(59, 100, 48, 85));
    expect(lift.relativeLift).toBeCloseTo(0.59 / (48 / 85) - 1, 12);
    // Nobody complained anywhere: nothing to compare.
    expect(report.total.lift.complained).toMatchObject({ difference: 0, relativeLift: null, pValue: null });
  });

  it('reports each value of the by tag, largest first and no value last', () => {
    const report = campaignReport(rows, true);
    expect(report.values!.map((slice) => slice.value)).toEqual(['tier1', 'tier2', null]);
    const tier1 = report.values![0];
    expect(tier1.lift.converted.differenceInterval).toEqual(differenceInterval(56, 70, 48, 80));
    // No control member without a value: no comparison.
    expect(report.values![2].groups[1]).toMatchObject({ group: 'control', members: 0 });
    expect(report.values![2].lift.converted).toMatchObject({ difference: null, pValue: null });
    expect(report.values![2].groups[1].outcomes.converted).toEqual({ count: 0, rate: null, interval: null });
  });
});

describe('compareProportions', () => {
  it('is the first against the second', () => {
    const comparison = compareProportions({ count: 56, members: 70 }, { count: 48, members: 80 });
    expect(comparison.difference).toBeCloseTo(0.2, 12);
    expect(comparison.relativeLift).toBeCloseTo(0.8 / 0.6 - 1, 12);
    expect(comparison.pValue).toBeGreaterThan(0);
    expect(comparison.pValue).toBeLessThan(0.01);
  });
});
