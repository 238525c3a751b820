import { differenceInterval, relativeLiftInterval, twoProportionTest, wilsonInterval } from './proportions';

const rounded = (interval: { low: number; high: number } | null, digits = 4) =>
  interval && { low: Number(interval.low.toFixed(digits)), high: Number(interval.high.toFixed(digits)) };

describe('wilsonInterval', () => {
  // Newcombe RG (1998), Two-sided confidence intervals for the single proportion, Statistics in
  // Medicine 17:857-872, table I, method 3 (score interval without continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i gives %f to %f (Newcombe 1998)', (successes, total, low, high) => {
    expect(rounded(wilsonInterval(successes, total))).toEqual({ low, high });
  });

  it('is empty for nobody, and stays within [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(rounded(wilsonInterval(5, 5))).toEqual({ low: 0.5655, high: 1 });
  });
});

describe('differenceInterval', () => {
  // Newcombe RG (1998), Interval estimation for the difference between independent proportions,
  // Statistics in Medicine 17:873-890, table II, method 10 (hybrid score).
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
  ])('%i/%i − %i/%i gives %f to %f (Newcombe 1998)', (s1, n1, s2, n2, low, high) => {
    expect(rounded(differenceInterval(s1, n1, s2, n2))).toEqual({ low, high });
  });

  it('is empty when a group has nobody', () => {
    expect(differenceInterval(1, 10, 0, 0)).toBeNull();
  });
});

// Agresti A (2007), An Introduction to Categorical Data Analysis, 2nd ed., section 2.2: the
// Physicians' Health Study, myocardial infarction in 189 of 11,034 on placebo and 104 of 11,037 on
// aspirin; relative risk 1.82 with 95 % interval (1.43, 2.30), Pearson X² = 25.01 (section 2.4).
describe("the Physicians' Health Study (Agresti 2007)", () => {
  it('gives the relative risk interval by the log method', () => {
    const lift = relativeLiftInterval(189, 11034, 104, 11037)!;
    expect(Number((lift.low + 1).toFixed(2))).toBe(1.43);
    // Agresti works from rounded logarithms: the exact upper end is 2.3059.
    expect(Math.abs(lift.high + 1 - 2.3)).toBeLessThan(0.01);
  });

  it("gives z² equal to Pearson's X², and a p-value far below 0.001", () => {
    const test = twoProportionTest(189, 11034, 104, 11037)!;
    expect(Number((test.z * test.z).toFixed(2))).toBe(25.01);
    expect(test.z).toBeGreaterThan(0);
    expect(test.pValue).toBeLessThan(1e-6);
    expect(test.pValue).toBeGreaterThan(1e-7);
  });
});

describe('twoProportionTest', () => {
  it('is symmetric and gives p = 1 for equal rates', () => {
    const forward = twoProportionTest(30, 100, 20, 100)!;
    const backward = twoProportionTest(20, 100, 30, 100)!;
    expect(backward.z).toBeCloseTo(-forward.z, 12);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 12);
    expect(twoProportionTest(10, 100, 20, 200)!.pValue).toBeCloseTo(1, 12);
  });

  it('agrees with the chi-square of the 2×2 table', () => {
    const [a, b, c, d] = [56, 14, 48, 32];
    const n = a + b + c + d;
    const chiSquare = (n * (a * d - b * c) ** 2) / ((a + b) * (c + d) * (a + c) * (b + d));
    const test = twoProportionTest(a, a + b, c, c + d)!;
    expect(test.z * test.z).toBeCloseTo(chiSquare, 10);
  });

  it('gives the two-sided normal tail: z = 2√2 for 60/100 against 40/100, p = 0.004678', () => {
    const test = twoProportionTest(60, 100, 40, 100)!;
    expect(test.z).toBeCloseTo(2.8284, 4);
    expect(test.pValue).toBeCloseTo(0.0046777, 6);
  });

  it('has nothing to test when nobody or everybody has the outcome', () => {
    expect(twoProportionTest(0, 10, 0, 10)).toBeNull();
    expect(twoProportionTest(10, 10, 5, 5)).toBeNull();
    expect(twoProportionTest(1, 0, 1, 10)).toBeNull();
  });
});
