import type { CampaignReport, ReportSlice } from '../api/types';

export const OUTCOMES = ['contacted', 'responded', 'converted', 'complained', 'defaulted'] as const;
export type Outcome = (typeof OUTCOMES)[number];

type Rate = ReportSlice['groups'][number]['outcomes'][Outcome];
type Lift = ReportSlice['lift'][Outcome];

export interface OutcomeRow {
  outcome: Outcome;
  target: Rate & { members: number };
  control: (Rate & { members: number }) | null;
  lift: Lift;
}

// The report's slice as one row per outcome that anyone in the campaign has, target and control side
// by side with the lift between them. Outcomes nobody has are left out: a 0 % against a 0 % says nothing.
export function outcomeRows(slice: ReportSlice): OutcomeRow[] {
  const target = slice.groups.find((group) => group.group === 'target');
  const control = slice.groups.find((group) => group.group === 'control');
  if (!target) return [];
  return OUTCOMES.filter(
    (outcome) => target.outcomes[outcome].count > 0 || (control?.outcomes[outcome].count ?? 0) > 0,
  ).map((outcome) => ({
    outcome,
    target: { ...target.outcomes[outcome], members: target.members },
    control: control ? { ...control.outcomes[outcome], members: control.members } : null,
    lift: slice.lift[outcome],
  }));
}

// The outcome a campaign is judged on first: converted when anyone converted, else the first one held.
export function headlineOutcome(report: CampaignReport): Outcome | undefined {
  const rows = outcomeRows(report.total);
  return (rows.find((row) => row.outcome === 'converted') ?? rows[0])?.outcome;
}

// A rate or interval bound as a percentage with one decimal (null: no members, so no rate).
export function percent(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
}
