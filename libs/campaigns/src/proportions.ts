import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

// The two-sided 95 % quantile of the standard normal distribution.
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for a proportion (Wilson 1927; method 3 of Newcombe 1998, "Two-sided
 * confidence intervals for the single proportion"). Unlike the Wald interval it stays inside [0, 1]
 * and is honest for small counts and rates near 0 or 1. Null when there is nobody to count.
 */
export function wilsonInterval(successes: number, total: number, z = Z_95): Interval | null {
  if (total <= 0) return null;
  const p = successes / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  const denominator = 1 + z2 / total;
  return {
    low: Math.max(0, (centre - margin) / denominator),
    high: Math.min(1, (centre + margin) / denominator),
  };
}

/**
 * Interval for the difference of two proportions p1 − p2 from their Wilson intervals: Newcombe's
 * hybrid score method (method 10 of Newcombe 1998, "Interval estimation for the difference between
 * independent proportions").
 */
export function differenceInterval(
  successes1: number,
  total1: number,
  successes2: number,
  total2: number,
  z = Z_95,
): Interval | null {
  const first = wilsonInterval(successes1, total1, z);
  const second = wilsonInterval(successes2, total2, z);
  if (!first || !second) return null;
  const p1 = successes1 / total1;
  const p2 = successes2 / total2;
  const difference = p1 - p2;
  return {
    low: difference - Math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2),
    high: difference + Math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2),
  };
}

/**
 * Interval for the ratio of two proportions p1 / p2 by the log method (Katz et al. 1978), returned as
 * the relative lift p1 / p2 − 1. Null when either rate is 0 (the ratio or its logarithm is undefined).
 */
export function relativeLiftInterval(
  successes1: number,
  total1: number,
  successes2: number,
  total2: number,
  z = Z_95,
): Interval | null {
  if (successes1 <= 0 || successes2 <= 0 || total1 <= 0 || total2 <= 0) return null;
  const ratio = successes1 / total1 / (successes2 / total2);
  const se = Math.sqrt(1 / successes1 - 1 / total1 + 1 / successes2 - 1 / total2);
  return { low: ratio * Math.exp(-z * se) - 1, high: ratio * Math.exp(z * se) - 1 };
}

export interface ProportionTest {
  z: number;
  pValue: number;
}

/**
 * Two-sided two-proportion z-test with the pooled estimate (the textbook test; its z² is Pearson's
 * chi-square of the 2×2 table without continuity correction). Null when the pooled rate is 0 or 1 or a
 * group is empty: nothing can differ.
 */
export function twoProportionTest(
  successes1: number,
  total1: number,
  successes2: number,
  total2: number,
): ProportionTest | null {
  if (total1 <= 0 || total2 <= 0) return null;
  const pooled = (successes1 + successes2) / (total1 + total2);
  if (pooled <= 0 || pooled >= 1) return null;
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / total1 + 1 / total2));
  const z = (successes1 / total1 - successes2 / total2) / se;
  return { z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1)) };
}
