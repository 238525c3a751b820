// Weight of evidence and information value (DOMAIN.md): WoE = ln(share of non-events ÷ share of
// events) per bin, IV = Σ (non-event share − event share) · WoE. Label 1 is the event (a default, a
// subscription); label 0 the non-event ("good" in a risk model).

// Half a customer added to each class of each bin keeps an empty class from making WoE infinite.
export const WOE_SMOOTHING = 0.5;

export interface ClassTotals {
  count: number;
  events: number;
}

export function weightOfEvidence(bin: ClassTotals, totals: ClassTotals): number {
  const nonEvents = bin.count - bin.events + WOE_SMOOTHING;
  const events = bin.events + WOE_SMOOTHING;
  const totalNonEvents = totals.count - totals.events + WOE_SMOOTHING;
  const totalEvents = totals.events + WOE_SMOOTHING;
  return Math.log(nonEvents / totalNonEvents / (events / totalEvents));
}

/** The bin's part of the information value (0 for an empty bin). */
export function informationValuePart(bin: ClassTotals, totals: ClassTotals): number {
  if (bin.count === 0) return 0;
  const nonEventShare = (bin.count - bin.events) / (totals.count - totals.events);
  const eventShare = bin.events / totals.events;
  return (nonEventShare - eventShare) * weightOfEvidence(bin, totals);
}

export type IvStrength = 'useless' | 'weak' | 'medium' | 'strong';

/** The usual reading of an IV: < 0.02 useless, 0.02-0.1 weak, 0.1-0.3 medium, > 0.3 strong. */
export function ivStrength(iv: number): IvStrength {
  if (iv < 0.02) return 'useless';
  if (iv < 0.1) return 'weak';
  if (iv <= 0.3) return 'medium';
  return 'strong';
}
