import { CAMPAIGN_GROUPS, type CampaignGroup } from './holdout-split';
import { OUTCOMES, type Outcome } from './outcome-line';
import {
  differenceInterval,
  relativeLiftInterval,
  twoProportionTest,
  wilsonInterval,
  type Interval,
} from './proportions';

export interface Rate {
  count: number;
  // count / members; null for a group without members.
  rate: number | null;
  // Wilson 95 % interval of the rate.
  interval: Interval | null;
}

export interface Comparison {
  // Rate of the first group minus rate of the second (absolute lift), with Newcombe's 95 % interval.
  difference: number | null;
  differenceInterval: Interval | null;
  // Rate of the first ÷ rate of the second − 1 (relative lift), with the log-method 95 % interval.
  relativeLift: number | null;
  relativeLiftInterval: Interval | null;
  // Two-sided two-proportion z-test (pooled).
  z: number | null;
  pValue: number | null;
}

export interface GroupCounts {
  group: CampaignGroup;
  // The value of the `by` tag (null: the customer had none); undefined when there is no `by`.
  value?: unknown;
  members: number;
  outcomes: Partial<Record<Outcome, number>>;
}

export interface GroupReport {
  group: CampaignGroup;
  members: number;
  outcomes: Record<Outcome, Rate>;
}

export interface ReportSlice {
  groups: GroupReport[];
  // Target against control, per outcome.
  lift: Record<Outcome, Comparison>;
}

export interface ValueSlice extends ReportSlice {
  value: unknown;
}

export interface CampaignReportBody {
  total: ReportSlice;
  values?: ValueSlice[];
}

export function rateOf(count: number, members: number): Rate {
  return {
    count,
    rate: members > 0 ? count / members : null,
    interval: wilsonInterval(count, members),
  };
}

/** The first proportion against the second: difference, relative lift, test. */
export function compareProportions(
  first: { count: number; members: number },
  second: { count: number; members: number },
): Comparison {
  const usable = first.members > 0 && second.members > 0;
  const p1 = usable ? first.count / first.members : null;
  const p2 = usable ? second.count / second.members : null;
  const test = twoProportionTest(first.count, first.members, second.count, second.members);
  return {
    difference: p1 !== null && p2 !== null ? p1 - p2 : null,
    differenceInterval: differenceInterval(first.count, first.members, second.count, second.members),
    relativeLift: p1 !== null && p2 !== null && p2 > 0 ? p1 / p2 - 1 : null,
    relativeLiftInterval: relativeLiftInterval(first.count, first.members, second.count, second.members),
    z: test?.z ?? null,
    pValue: test?.pValue ?? null,
  };
}

function slice(rows: readonly GroupCounts[]): ReportSlice {
  const sums = new Map<CampaignGroup, { members: number; outcomes: Record<Outcome, number> }>(
    CAMPAIGN_GROUPS.map((group) => [
      group,
      { members: 0, outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number> },
    ]),
  );
  for (const row of rows) {
    const sum = sums.get(row.group)!;
    sum.members += row.members;
    for (const outcome of OUTCOMES) sum.outcomes[outcome] += row.outcomes[outcome] ?? 0;
  }
  const groups = CAMPAIGN_GROUPS.map((group) => {
    const sum = sums.get(group)!;
    return {
      group,
      members: sum.members,
      outcomes: Object.fromEntries(
        OUTCOMES.map((outcome) => [outcome, rateOf(sum.outcomes[outcome], sum.members)]),
      ) as Record<Outcome, Rate>,
    };
  });
  const target = sums.get('target')!;
  const control = sums.get('control')!;
  const lift = Object.fromEntries(
    OUTCOMES.map((outcome) => [
      outcome,
      compareProportions(
        { count: target.outcomes[outcome], members: target.members },
        { count: control.outcomes[outcome], members: control.members },
      ),
    ]),
  ) as Record<Outcome, Comparison>;
  return { groups, lift };
}

const valueKey = (value: unknown) => JSON.stringify(value ?? null);

/**
 * The report from counts per group (and per value of the `by` tag): members, outcome counts and rates
 * with Wilson intervals per group, target against control per outcome; the same within each value,
 * values ordered by members (most first), no value last.
 */
export function campaignReport(rows: readonly GroupCounts[], byTag: boolean): CampaignReportBody {
  const total = slice(rows);
  if (!byTag) return { total };
  const byValue = new Map<string, { value: unknown; rows: GroupCounts[] }>();
  for (const row of rows) {
    const key = valueKey(row.value);
    const entry = byValue.get(key) ?? { value: row.value ?? null, rows: [] };
    entry.rows.push(row);
    byValue.set(key, entry);
  }
  const values = [...byValue.values()]
    .map((entry) => ({ value: entry.value, ...slice(entry.rows) }))
    .map((entry) => ({ entry, members: entry.groups.reduce((sum, group) => sum + group.members, 0) }))
    .sort(
      (a, b) =>
        Number(a.entry.value === null) - Number(b.entry.value === null) ||
        b.members - a.members ||
        valueKey(a.entry.value).localeCompare(valueKey(b.entry.value)),
    )
    .map(({ entry }) => entry);
  return { total, values };
}
