import { type ClassTotals, informationValuePart, weightOfEvidence } from './woe';

export type FeatureValue = number | string | boolean | null;
export type CategoryValue = string | number | boolean;

/** A range bin holds from <= x < to; null is unbounded. */
export type BinDefinition =
  { kind: 'range'; from: number | null; to: number | null } | { kind: 'values'; values: CategoryValue[] };

export interface BinStatistics extends ClassTotals {
  share: number;
  eventRate: number;
  woe: number;
  iv: number;
}

export interface Bin extends BinStatistics {
  bin: BinDefinition;
}

export type FeatureType = 'numeric' | 'categorical';

export interface FeatureBinning {
  type: FeatureType;
  // Bins of the present values, ordered (ranges ascending; categories by event rate).
  bins: Bin[];
  // Missing values (absent or null) are a bin of their own, also when no training row is missing.
  missing: BinStatistics;
  iv: number;
}

export interface BinningOptions {
  // Every bin of present values holds at least this share of all rows.
  minBinShare: number;
  maxBins: number;
  // Numeric features are first cut into this many quantile groups.
  fineBins: number;
}

export const DEFAULT_BINNING: BinningOptions = { minBinShare: 0.05, maxBins: 8, fineBins: 20 };

interface Group extends ClassTotals {
  // numeric: the smallest and largest value of the group; categorical: its values.
  low: number;
  high: number;
  values: CategoryValue[];
}

const rate = (group: ClassTotals): number => (group.count === 0 ? 0 : group.events / group.count);

function merged(a: Group, b: Group): Group {
  return {
    count: a.count + b.count,
    events: a.events + b.events,
    low: Math.min(a.low, b.low),
    high: Math.max(a.high, b.high),
    values: [...a.values, ...b.values],
  };
}

/**
 * Monotonic binning of a numeric feature: quantile groups of distinct values, merged by pooling adjacent
 * violators until the event rate only rises (or only falls: whichever keeps more information value), then
 * bins under the minimum share are merged into their closer neighbour and the pair costing the least IV is
 * merged until at most maxBins remain.
 */
export function binNumeric(
  values: readonly (number | null)[],
  labels: readonly number[],
  options: BinningOptions = DEFAULT_BINNING,
): FeatureBinning {
  const totals = totalsOf(labels);
  const present: { value: number; label: number }[] = [];
  const missing: ClassTotals = { count: 0, events: 0 };
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      missing.count += 1;
      missing.events += labels[index];
    } else present.push({ value, label: labels[index] });
  });
  present.sort((a, b) => a.value - b.value);
  const fine = quantileGroups(present, options.fineBins);
  let best: Group[] = [];
  let bestIv = -1;
  for (const direction of [1, -1] as const) {
    const groups = limitBins(
      enforceMinShare(poolAdjacentViolators(fine, direction), totals.count, options.minBinShare),
      totals,
      options.maxBins,
    );
    const iv = groups.reduce((sum, group) => sum + informationValuePart(group, totals), 0);
    if (iv > bestIv) {
      best = groups;
      bestIv = iv;
    }
  }
  const bins = best.map((group, index): Bin => ({
    bin: {
      kind: 'range',
      from: index === 0 ? null : group.low,
      to: index === best.length - 1 ? null : best[index + 1].low,
    },
    ...statistics(group, totals),
  }));
  return finish('numeric', bins, missing, totals);
}

/**
 * Binning of a categorical feature (strings, booleans, codes): one bin per value, ordered by event rate;
 * values under the minimum share join the neighbour with the closer event rate, then the pair costing the
 * least IV is merged until at most maxBins remain.
 */
export function binCategorical(
  values: readonly FeatureValue[],
  labels: readonly number[],
  options: BinningOptions = DEFAULT_BINNING,
): FeatureBinning {
  const totals = totalsOf(labels);
  const missing: ClassTotals = { count: 0, events: 0 };
  const byValue = new Map<string, Group>();
  values.forEach((value, index) => {
    if (value === null) {
      missing.count += 1;
      missing.events += labels[index];
      return;
    }
    const key = JSON.stringify(value);
    const group = byValue.get(key) ?? { count: 0, events: 0, low: 0, high: 0, values: [value] };
    group.count += 1;
    group.events += labels[index];
    byValue.set(key, group);
  });
  const ordered = [...byValue.values()].sort(
    (a, b) => rate(a) - rate(b) || compareValues(a.values[0], b.values[0]),
  );
  const groups = limitBins(
    enforceMinShare(ordered, totals.count, options.minBinShare),
    totals,
    options.maxBins,
  );
  const bins = groups.map((group): Bin => ({
    bin: { kind: 'values', values: [...group.values].sort(compareValues) },
    ...statistics(group, totals),
  }));
  return finish('categorical', bins, missing, totals);
}

function finish(type: FeatureType, bins: Bin[], missing: ClassTotals, totals: ClassTotals): FeatureBinning {
  const missingStatistics = statistics(missing, totals);
  // A missing bin never seen in training scores as the average customer (WoE 0).
  if (missing.count === 0) missingStatistics.woe = 0;
  const iv = bins.reduce((sum, bin) => sum + bin.iv, 0) + missingStatistics.iv;
  return { type, bins, missing: missingStatistics, iv };
}

function statistics(group: ClassTotals, totals: ClassTotals): BinStatistics {
  return {
    count: group.count,
    events: group.events,
    share: totals.count === 0 ? 0 : group.count / totals.count,
    eventRate: rate(group),
    woe: weightOfEvidence(group, totals),
    iv: informationValuePart(group, totals),
  };
}

export function totalsOf(labels: readonly number[]): ClassTotals {
  let events = 0;
  for (const label of labels) events += label;
  return { count: labels.length, events };
}

function compareValues(a: CategoryValue, b: CategoryValue): number {
  const ka = `${typeof a}:${String(a)}`;
  const kb = `${typeof b}:${String(b)}`;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// Groups of whole distinct values, each closed once it holds about 1/fineBins of the present rows.
function quantileGroups(sorted: readonly { value: number; label: number }[], fineBins: number): Group[] {
  const target = Math.max(1, Math.floor(sorted.length / fineBins));
  const groups: Group[] = [];
  let current: Group | undefined;
  for (let i = 0; i < sorted.length; i += 1) {
    const { value, label } = sorted[i];
    if (current === undefined || (current.count >= target && value !== sorted[i - 1].value)) {
      current = { count: 0, events: 0, low: value, high: value, values: [] };
      groups.push(current);
    }
    current.count += 1;
    current.events += label;
    current.high = value;
  }
  return groups;
}

// Isotonic regression of the event rate by pooling adjacent violators; ties are pooled too, so rates
// strictly rise (direction 1) or fall (-1) from bin to bin.
function poolAdjacentViolators(groups: readonly Group[], direction: 1 | -1): Group[] {
  const stack: Group[] = [];
  for (const group of groups) {
    stack.push(group);
    while (stack.length > 1) {
      const top = stack[stack.length - 1];
      const below = stack[stack.length - 2];
      if (direction * (rate(top) - rate(below)) > 0) break;
      stack.splice(stack.length - 2, 2, merged(below, top));
    }
  }
  return stack;
}

function enforceMinShare(groups: readonly Group[], total: number, minShare: number): Group[] {
  const result = [...groups];
  for (;;) {
    if (result.length <= 1) return result;
    let smallest = -1;
    for (let i = 0; i < result.length; i += 1) {
      if (result[i].count / total < minShare && (smallest < 0 || result[i].count < result[smallest].count))
        smallest = i;
    }
    if (smallest < 0) return result;
    const left = smallest - 1;
    const right = smallest + 1;
    const withLeft =
      right >= result.length ||
      (left >= 0 &&
        Math.abs(rate(result[left]) - rate(result[smallest])) <=
          Math.abs(rate(result[right]) - rate(result[smallest])));
    const partner = withLeft ? left : right;
    const [first, second] = partner < smallest ? [partner, smallest] : [smallest, partner];
    result.splice(first, 2, merged(result[first], result[second]));
  }
}

function limitBins(groups: readonly Group[], totals: ClassTotals, maxBins: number): Group[] {
  const result = [...groups];
  while (result.length > maxBins) {
    let cheapest = 0;
    let cheapestLoss = Infinity;
    for (let i = 0; i + 1 < result.length; i += 1) {
      const loss =
        informationValuePart(result[i], totals) +
        informationValuePart(result[i + 1], totals) -
        informationValuePart(merged(result[i], result[i + 1]), totals);
      if (loss < cheapestLoss) {
        cheapestLoss = loss;
        cheapest = i;
      }
    }
    result.splice(cheapest, 2, merged(result[cheapest], result[cheapest + 1]));
  }
  return result;
}

/** The index of the bin holding `value` (-1: the missing bin, also for a value no bin holds). */
export function binIndexOf(binning: Pick<FeatureBinning, 'bins'>, value: FeatureValue): number {
  if (value === null) return -1;
  for (let i = 0; i < binning.bins.length; i += 1) {
    const { bin } = binning.bins[i];
    if (bin.kind === 'range') {
      if (typeof value !== 'number') return -1;
      if ((bin.from === null || value >= bin.from) && (bin.to === null || value < bin.to)) return i;
    } else if (bin.values.includes(value)) return i;
  }
  return -1;
}
