import { binCategorical, binIndexOf, binNumeric } from './binning';
import { adverseImpact } from './fairness';
import { inHoldout } from './holdout';
import { fitLogistic } from './logistic-fit';
import { auc, kolmogorovSmirnov, metrics, topDecileLift } from './metrics';
import { binPoints, interceptPoints, scalingFactor } from './scaling';
import { countByCuts, populationStabilityIndex, quantileCuts, stabilityStatus } from './stability';
import { informationValuePart, ivStrength, weightOfEvidence } from './woe';

describe('weight of evidence and information value', () => {
  it('follows ln(non-event share / event share) with half a customer of smoothing', () => {
    const totals = { count: 1000, events: 200 };
    // 100 customers, 50 events: non-event share 50/800, event share 50/200.
    expect(weightOfEvidence({ count: 100, events: 50 }, totals)).toBeCloseTo(
      Math.log(50.5 / 800.5 / (50.5 / 200.5)),
      12,
    );
    expect(informationValuePart({ count: 100, events: 50 }, totals)).toBeCloseTo(
      (50 / 800 - 50 / 200) * Math.log(50.5 / 800.5 / (50.5 / 200.5)),
      12,
    );
    expect(Number.isFinite(weightOfEvidence({ count: 10, events: 0 }, totals))).toBe(true);
    expect([0.01, 0.05, 0.2, 0.5].map(ivStrength)).toEqual(['useless', 'weak', 'medium', 'strong']);
  });
});

describe('binning', () => {
  // Event rate rising with the value, with noise that breaks monotonicity locally.
  const values: (number | null)[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 2000; i += 1) {
    const value = i % 100;
    values.push(i % 50 === 0 ? null : value);
    labels.push((i * 7919) % 100 < value * 0.6 + (value % 10 === 3 ? 15 : 0) ? 1 : 0);
  }

  it('gives numeric bins with a monotonic event rate, a minimum share and missing values apart', () => {
    const binning = binNumeric(values, labels, { minBinShare: 0.05, maxBins: 6, fineBins: 20 });
    const rates = binning.bins.map((bin) => bin.eventRate);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(new Set(rates).size).toBe(rates.length);
    expect(binning.bins.length).toBeLessThanOrEqual(6);
    for (const bin of binning.bins) expect(bin.share).toBeGreaterThanOrEqual(0.05);
    expect(binning.missing.count).toBe(40);
    expect(binning.bins[0].bin).toMatchObject({ kind: 'range', from: null });
    expect(binning.bins.at(-1)!.bin).toMatchObject({ kind: 'range', to: null });
    binning.bins.slice(1).forEach((bin, index) => {
      expect(bin.bin).toMatchObject({ from: (binning.bins[index].bin as { to: number }).to });
    });
    expect(binning.iv).toBeCloseTo(
      binning.bins.reduce((sum, bin) => sum + bin.iv, 0) + binning.missing.iv,
      12,
    );
    expect(binIndexOf(binning, null)).toBe(-1);
    expect(binIndexOf(binning, 0)).toBe(0);
    expect(binIndexOf(binning, 99)).toBe(binning.bins.length - 1);
  });

  it('groups categories by event rate and folds rare ones into the closest', () => {
    const categories = ['a', 'a', 'b', 'b', 'c', 'd', true, null];
    const catLabels = [1, 1, 0, 0, 1, 0, 0, 0];
    const binning = binCategorical(categories, catLabels, { minBinShare: 0.2, maxBins: 8, fineBins: 20 });
    for (const bin of binning.bins) expect(bin.share).toBeGreaterThanOrEqual(0.2);
    const rates = binning.bins.map((bin) => bin.eventRate);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(binning.bins.flatMap((bin) => (bin.bin.kind === 'values' ? bin.bin.values : [])).sort()).toEqual(
      ['a', 'b', 'c', 'd', true].sort(),
    );
    expect(binning.missing).toMatchObject({ count: 1, events: 0 });
  });

  it('scores a missing bin never seen in training as the average customer', () => {
    expect(binNumeric([1, 2, 3, 4], [0, 1, 0, 1]).missing).toMatchObject({ count: 0, woe: 0 });
  });
});

describe('metrics', () => {
  it('computes AUC with ties counting half, KS, Gini and top-decile lift', () => {
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(auc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(auc([1, 2, 2, 3], [0, 1, 0, 1])).toBe(0.875);
    expect(kolmogorovSmirnov([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    const risk = Array.from({ length: 100 }, (_, i) => i);
    const labels = risk.map((r) => (r >= 90 || r % 10 === 0 ? 1 : 0));
    // The riskiest 10 are all events; 19 events in 100.
    expect(topDecileLift(risk, labels)).toBeCloseTo(1 / 0.19, 12);
    expect(metrics([1, 2, 3, 4], [0, 0, 1, 1])).toMatchObject({ auc: 1, gini: 1, customers: 4, events: 2 });
  });

  it('shares the places of the tenth among customers tied at the cut', () => {
    // 20 customers tied at the top, 10 of them events: the tenth (2 places) holds one event on average.
    const risk = new Array<number>(20).fill(5);
    const labels = risk.map((_, i) => (i < 10 ? 1 : 0));
    expect(topDecileLift(risk, labels)).toBeCloseTo(1, 12);
  });
});

describe('points scaling', () => {
  it('puts the base points at the base odds and adds PDO points each time the odds double', () => {
    const scaling = { basePoints: 600, baseOdds: 19, pdo: 50, higherScore: 'non-event' as const };
    // A customer with logit ln(1/19) (odds 19:1 good:bad) scores 600; odds 38:1 score 650.
    expect(interceptPoints(scaling, Math.log(1 / 19))).toBeCloseTo(600, 9);
    expect(interceptPoints(scaling, Math.log(1 / 38))).toBeCloseTo(650, 9);
    expect(scalingFactor(scaling)).toBeCloseTo(50 / Math.LN2, 12);
    // A negative coefficient on a positive WoE (a good bin) earns points.
    expect(binPoints(scaling, -0.8, 0.5)).toBeCloseTo(0.4 * (50 / Math.LN2), 12);
    expect(binPoints({ ...scaling, higherScore: 'event' }, -0.8, 0.5)).toBeCloseTo(
      -0.4 * (50 / Math.LN2),
      12,
    );
  });
});

describe('population stability', () => {
  it('is zero for equal distributions and grows with the shift', () => {
    expect(populationStabilityIndex([0.5, 0.5], [50, 50])).toBe(0);
    const psi = populationStabilityIndex([0.5, 0.5], [0.2, 0.8]);
    expect(psi).toBeCloseTo((0.2 - 0.5) * Math.log(0.2 / 0.5) + (0.8 - 0.5) * Math.log(0.8 / 0.5), 12);
    expect([0.05, 0.2, 0.3].map(stabilityStatus)).toEqual(['stable', 'watch', 'review']);
    expect(Number.isFinite(populationStabilityIndex([0.5, 0.5], [1, 0]))).toBe(true);
  });

  it('cuts scores into groups of distinct values and counts them', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i);
    const cuts = quantileCuts(scores, 10);
    expect(cuts).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(countByCuts(scores, cuts)).toEqual(new Array<number>(10).fill(10));
    expect(quantileCuts([1, 1, 1, 2], 4)).toEqual([2]);
  });
});

describe('adverse impact', () => {
  it('gives each group its mean score, approval rate and ratio to the most approved group', () => {
    const report = adverseImpact(
      'demographics.gender',
      ['f', 'f', 'm', 'm', null],
      [600, 500, 600, 650, 400],
      550,
      (s) => s >= 550,
    );
    expect(report.groups).toEqual([
      { value: '(missing)', customers: 1, meanScore: 400, approvalRate: 0, adverseImpactRatio: 0 },
      { value: 'f', customers: 2, meanScore: 550, approvalRate: 0.5, adverseImpactRatio: 0.5 },
      { value: 'm', customers: 2, meanScore: 625, approvalRate: 1, adverseImpactRatio: 1 },
    ]);
    expect(report.minimumRatio).toBe(0);
  });
});

describe('holdout split', () => {
  it('depends on the seed and the customer only', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `C${i}`);
    const share = ids.filter((id) => inHoldout(id, 1, 0.3)).length / ids.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
    expect(ids.map((id) => inHoldout(id, 1, 0.3))).toEqual(ids.map((id) => inHoldout(id, 1, 0.3)));
    expect(ids.filter((id) => inHoldout(id, 1, 0.3) !== inHoldout(id, 2, 0.3)).length).toBeGreaterThan(1000);
  });
});

describe('logistic fit', () => {
  it('reaches the maximum-likelihood fit, known in closed form for one binary column', () => {
    // Group x=0: 30 events in 100; group x=1: 60 in 100. The MLE logits are ln(30/70) and ln(60/40).
    const column: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const x = i < 100 ? 0 : 1;
      column.push(x);
      labels.push((x === 0 ? i < 30 : i < 160) ? 1 : 0);
    }
    const fit = fitLogistic([column], labels, { steps: 300, tolerance: 1e-6 });
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(Math.log(30 / 70), 5);
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(60 / 40) - Math.log(30 / 70), 5);
  });
});
