import { populationStabilityIndex } from '@tagforge/scorecard';

// Drift between two instants (pure): the population stability index over the same bins, named by the
// usual bands (DOMAIN.md).

export type DriftBand = 'stable' | 'moderate shift' | 'major shift';

export interface Drift {
  psi: number;
  band: DriftBand;
}

// `expected` is the earlier (compare) distribution, `actual` the later one; counts per bin, same bins.
export function drift(expected: readonly number[], actual: readonly number[]): Drift {
  const psi = populationStabilityIndex(expected, actual);
  return { psi, band: driftBand(psi) };
}

/** < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift. */
export function driftBand(psi: number): DriftBand {
  if (psi < 0.1) return 'stable';
  if (psi <= 0.25) return 'moderate shift';
  return 'major shift';
}
