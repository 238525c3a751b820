// Population stability index (DOMAIN.md): Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins of a score or a
// characteristic, between the expected (training) and the actual (live) shares.

// An empty bin on either side would make the index infinite; it counts as this share instead.
export const PSI_FLOOR = 0.0001;

export type StabilityStatus = 'stable' | 'watch' | 'review';

export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new Error('PSI needs the same bins on both sides');
  const expectedShares = shares(expected);
  const actualShares = shares(actual);
  let psi = 0;
  for (let i = 0; i < expectedShares.length; i += 1) {
    const e = Math.max(expectedShares[i], PSI_FLOOR);
    const a = Math.max(actualShares[i], PSI_FLOOR);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** Below 0.1 stable, 0.1-0.25 watch, above 0.25 the model needs review. */
export function stabilityStatus(psi: number): StabilityStatus {
  if (psi < 0.1) return 'stable';
  if (psi <= 0.25) return 'watch';
  return 'review';
}

// Counts or shares in, shares out.
function shares(values: readonly number[]): number[] {
  const total = values.reduce((sum, value) => sum + value, 0);
  return values.map((value) => (total === 0 ? 0 : value / total));
}

/**
 * Cut points splitting scores into (at most) `parts` groups of about equal size, on distinct values:
 * group i holds cuts[i-1] <= score < cuts[i].
 */
export function quantileCuts(scores: readonly number[], parts: number): number[] {
  const sorted = [...scores].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let part = 1; part < parts; part += 1) {
    const value = sorted[Math.floor((part * sorted.length) / parts)];
    if (value !== undefined && value > sorted[0] && (cuts.length === 0 || value > cuts[cuts.length - 1]))
      cuts.push(value);
  }
  return cuts;
}

/** How many scores fall in each group of `cuts` (cuts.length + 1 groups). */
export function countByCuts(scores: readonly number[], cuts: readonly number[]): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (const score of scores) counts[groupOf(score, cuts)] += 1;
  return counts;
}

export function groupOf(score: number, cuts: readonly number[]): number {
  let group = 0;
  while (group < cuts.length && score >= cuts[group]) group += 1;
  return group;
}
