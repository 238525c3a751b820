// Fair-lending view of a score: by each value of a protected attribute, the mean score and the approval
// rate at a cut-off, and the adverse-impact ratio (a group's approval rate over the most approved group's;
// the four-fifths rule reads a ratio under 0.8 as adverse impact).

export interface GroupOutcome {
  value: string;
  customers: number;
  meanScore: number;
  approvalRate: number;
  adverseImpactRatio: number;
}

export interface ProtectedAttributeReport {
  attribute: string;
  cutoff: number;
  groups: GroupOutcome[];
  // The lowest ratio of any group; under 0.8 fails the four-fifths rule.
  minimumRatio: number;
}

export const FOUR_FIFTHS = 0.8;

/**
 * `approved(score)` says whether a customer with that score passes the cut-off. Customers without a value
 * of the attribute form the group "(missing)".
 */
export function adverseImpact(
  attribute: string,
  groupOf: readonly (string | null)[],
  scores: readonly number[],
  cutoff: number,
  approved: (score: number) => boolean,
): ProtectedAttributeReport {
  const byGroup = new Map<string, { customers: number; total: number; approved: number }>();
  groupOf.forEach((group, index) => {
    const key = group ?? '(missing)';
    const entry = byGroup.get(key) ?? { customers: 0, total: 0, approved: 0 };
    entry.customers += 1;
    entry.total += scores[index];
    if (approved(scores[index])) entry.approved += 1;
    byGroup.set(key, entry);
  });
  const rates = [...byGroup.entries()].map(([value, entry]) => ({
    value,
    customers: entry.customers,
    meanScore: round(entry.total / entry.customers),
    approvalRate: round(entry.approved / entry.customers),
  }));
  const best = Math.max(...rates.map((group) => group.approvalRate));
  const groups = rates
    .map((group) => ({ ...group, adverseImpactRatio: best === 0 ? 1 : round(group.approvalRate / best) }))
    .sort((a, b) => (a.value < b.value ? -1 : 1));
  return {
    attribute,
    cutoff,
    groups,
    minimumRatio: Math.min(...groups.map((group) => group.adverseImpactRatio)),
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
