// The scorecard form of a number tag: characteristics cut into bins with points, summed with a base
// score (PMML 4.4 Scorecard in JSON). It compiles to a JSON Logic rule, so the engine evaluates,
// traces, sandboxes and tracks dependencies of a scorecard like any rule; scoreScorecard reads the
// bins directly and says which characteristics cost the customer the most points (the reason codes).

import { REDACTED } from './rule-explainer';

export type ScorecardValue = string | number | boolean;

export interface ScorecardBin {
  // from <= x < to; null is unbounded. Range bins are sorted, contiguous and cover every number.
  range?: [number | null, number | null];
  values?: ScorecardValue[];
  points: number;
  reasonCode?: string;
}

export interface ScorecardCharacteristic {
  name: string;
  // A profile path or tags.<id>, as in {"var": ...}.
  var: string;
  // The code of every bin that does not name its own.
  reasonCode?: string;
  bins: ScorecardBin[];
  // An absent or null value, or one that no bin holds.
  missing: { points: number; reasonCode?: string };
}

export interface ReasonText {
  en: string;
  zh: string;
}

export interface Scorecard {
  baseScore: number;
  characteristics: ScorecardCharacteristic[];
  reasonCodes?: {
    // How many reasons an explanation gives (the adverse-action reasons a lender states).
    count: number;
    // Points lost are counted against the characteristic's best bin (PMML's pointsMax).
    relativeTo: 'max';
    texts?: Record<string, ReasonText>;
  };
}

export interface ScorecardProblem {
  // RFC 6901 pointer into the scorecard.
  pointer: string;
  message: string;
}

export const DEFAULT_REASON_COUNT = 4;

/** Structural checks the JSON Schema cannot express: bin order and coverage, one kind of bin each. */
export function scorecardProblems(card: Scorecard): ScorecardProblem[] {
  const problems: ScorecardProblem[] = [];
  const names = new Set<string>();
  card.characteristics.forEach((characteristic, index) => {
    const at = `/characteristics/${index}`;
    if (names.has(characteristic.name))
      problems.push({
        pointer: `${at}/name`,
        message: `characteristic "${characteristic.name}" appears twice`,
      });
    names.add(characteristic.name);
    const mixed = characteristic.bins.findIndex(
      (bin) => (bin.range === undefined) === (bin.values === undefined),
    );
    if (mixed >= 0) {
      problems.push({ pointer: `${at}/bins/${mixed}`, message: 'a bin has either a range or values' });
      return;
    }
    const ranges = characteristic.bins.filter((bin) => bin.range !== undefined).length;
    if (ranges > 0 && ranges < characteristic.bins.length) {
      problems.push({ pointer: `${at}/bins`, message: 'bins are either all ranges or all value lists' });
      return;
    }
    if (ranges > 0) {
      characteristic.bins.forEach((bin, binIndex) => {
        const [from, to] = bin.range!;
        const previous = binIndex === 0 ? null : characteristic.bins[binIndex - 1].range![1];
        const first = binIndex === 0;
        const last = binIndex === characteristic.bins.length - 1;
        if (first ? from !== null : from !== previous) {
          problems.push({
            pointer: `${at}/bins/${binIndex}/range/0`,
            message: first
              ? 'the first range starts at null (unbounded)'
              : `a range starts where the previous one ends (${JSON.stringify(previous)})`,
          });
        }
        if (last ? to !== null : to === null || (from !== null && to <= from)) {
          problems.push({
            pointer: `${at}/bins/${binIndex}/range/1`,
            message: last ? 'the last range ends at null (unbounded)' : 'a range ends above its start',
          });
        }
      });
    } else {
      const seen = new Set<string>();
      characteristic.bins.forEach((bin, binIndex) => {
        (bin.values ?? []).forEach((value, valueIndex) => {
          const key = JSON.stringify(value);
          if (seen.has(key))
            problems.push({
              pointer: `${at}/bins/${binIndex}/values/${valueIndex}`,
              message: `${key} is in two bins`,
            });
          seen.add(key);
        });
      });
    }
  });
  const texts = card.reasonCodes?.texts;
  if (texts !== undefined) {
    for (const code of usedReasonCodes(card)) {
      if (!(code in texts))
        problems.push({ pointer: '/reasonCodes/texts', message: `reason code "${code}" has no text` });
    }
  }
  return problems;
}

function usedReasonCodes(card: Scorecard): Set<string> {
  const codes = new Set<string>();
  for (const characteristic of card.characteristics) {
    for (const bin of [...characteristic.bins, characteristic.missing]) {
      const code = bin.reasonCode ?? characteristic.reasonCode;
      if (code !== undefined) codes.add(code);
    }
  }
  return codes;
}

/** The JSON Logic rule that sums the base score and each characteristic's points. */
export function compileScorecard(card: Scorecard): unknown {
  return { '+': [card.baseScore, ...card.characteristics.map(characteristicRule)] };
}

function characteristicRule(characteristic: ScorecardCharacteristic): unknown {
  const read = { var: characteristic.var };
  const branches: unknown[] = [];
  if (characteristic.bins.some((bin) => bin.range !== undefined)) {
    // A missing var is null, and null < x is true in JSON Logic: test for it first.
    branches.push({ '==': [read, null] }, characteristic.missing.points);
    characteristic.bins.forEach((bin, index) => {
      if (index < characteristic.bins.length - 1) branches.push({ '<': [read, bin.range![1]] });
      branches.push(bin.points);
    });
  } else {
    for (const bin of characteristic.bins) branches.push({ in: [read, bin.values ?? []] }, bin.points);
    branches.push(characteristic.missing.points);
  }
  return { if: branches };
}

export interface CharacteristicScore {
  name: string;
  var: string;
  value: unknown;
  // Index of the bin, -1 for the missing bin.
  bin: number;
  // The bin in words: "30 <= x < 60", "in [\"renter\"]", "missing".
  label: string;
  points: number;
  maxPoints: number;
  reasonCode: string | null;
}

export interface ScorecardReason {
  code: string;
  characteristic: string;
  pointsBelowMax: number;
  text: ReasonText | null;
}

export interface ScorecardExplanation {
  score: number;
  baseScore: number;
  characteristics: CharacteristicScore[];
  // The characteristics that cost the customer the most points, worst first (codes not repeated).
  reasons: ScorecardReason[];
}

/** Scores `data` (a profile with its `tags`) by reading the bins directly, with the reasons. */
export function scoreScorecard(card: Scorecard, data: unknown): ScorecardExplanation {
  const characteristics = card.characteristics.map((characteristic): CharacteristicScore => {
    const value = readVar(data, characteristic.var);
    const bin = binOf(characteristic, value);
    const chosen = bin < 0 ? characteristic.missing : characteristic.bins[bin];
    return {
      name: characteristic.name,
      var: characteristic.var,
      value: value ?? null,
      bin,
      label: bin < 0 ? 'missing' : binLabel(characteristic.bins[bin]),
      points: chosen.points,
      maxPoints: Math.max(characteristic.missing.points, ...characteristic.bins.map((b) => b.points)),
      reasonCode: chosen.reasonCode ?? characteristic.reasonCode ?? null,
    };
  });
  const score = characteristics.reduce((sum, characteristic) => sum + characteristic.points, card.baseScore);
  const ranked = characteristics
    .map((characteristic, index) => ({ characteristic, index }))
    .filter(
      ({ characteristic }) =>
        characteristic.reasonCode !== null && characteristic.maxPoints > characteristic.points,
    )
    .sort(
      (a, b) =>
        b.characteristic.maxPoints -
          b.characteristic.points -
          (a.characteristic.maxPoints - a.characteristic.points) || a.index - b.index,
    );
  const reasons: ScorecardReason[] = [];
  const count = card.reasonCodes?.count ?? DEFAULT_REASON_COUNT;
  for (const { characteristic } of ranked) {
    if (reasons.length >= count) break;
    const code = characteristic.reasonCode!;
    if (reasons.some((reason) => reason.code === code)) continue;
    reasons.push({
      code,
      characteristic: characteristic.name,
      pointsBelowMax: characteristic.maxPoints - characteristic.points,
      text: card.reasonCodes?.texts?.[code] ?? null,
    });
  }
  return { score, baseScore: card.baseScore, characteristics, reasons };
}

/** The bin a value falls in (-1: missing). Ranges take numbers; value lists match exactly. */
export function binOf(characteristic: ScorecardCharacteristic, value: unknown): number {
  if (value === null || value === undefined) return -1;
  const bins = characteristic.bins;
  if (bins.some((bin) => bin.range !== undefined)) {
    if (typeof value !== 'number') return -1;
    for (let i = 0; i < bins.length - 1; i += 1) if (value < bins[i].range![1]!) return i;
    return bins.length - 1;
  }
  return bins.findIndex((bin) => (bin.values ?? []).some((candidate) => candidate === value));
}

export function binLabel(bin: ScorecardBin): string {
  if (bin.range !== undefined) {
    const [from, to] = bin.range;
    if (from === null && to === null) return 'any value';
    if (from === null) return `< ${to}`;
    if (to === null) return `>= ${from}`;
    return `${from} <= x < ${to}`;
  }
  return `in ${JSON.stringify(bin.values ?? [])}`;
}

// As json-logic-js reads {"var": path}: dotted segments, undefined (null) when any step is missing.
function readVar(data: unknown, path: string): unknown {
  let current = data;
  for (const segment of path.split('.')) {
    if (current === null || current === undefined) return null;
    current = (current as Record<string, unknown>)[segment];
    if (current === undefined) return null;
  }
  return current;
}

// A scorecard explanation for a reader who may not see what some characteristics read (credit-bureau
// data without bureau:read): their value, bin and points are results of that data alone and are
// withheld; their reason codes and texts stay, as a lender must be able to state them.
export type VisibleScorecard = Omit<ScorecardExplanation, 'characteristics' | 'reasons'> & {
  characteristics: (
    | CharacteristicScore
    | (Omit<CharacteristicScore, 'value' | 'bin' | 'label' | 'points' | 'maxPoints'> & {
        value: typeof REDACTED;
        bin: null;
        label: typeof REDACTED;
        points: null;
        maxPoints: null;
      })
  )[];
  reasons: (ScorecardReason | (Omit<ScorecardReason, 'pointsBelowMax'> & { pointsBelowMax: null }))[];
};

export function hideCharacteristics(
  explanation: ScorecardExplanation,
  hidden: (path: string) => boolean,
): VisibleScorecard {
  const withheld = new Set(explanation.characteristics.filter((c) => hidden(c.var)).map((c) => c.name));
  return {
    ...explanation,
    characteristics: explanation.characteristics.map((characteristic) =>
      withheld.has(characteristic.name)
        ? { ...characteristic, value: REDACTED, bin: null, label: REDACTED, points: null, maxPoints: null }
        : characteristic,
    ),
    reasons: explanation.reasons.map((reason) =>
      withheld.has(reason.characteristic) ? { ...reason, pointsBelowMax: null } : reason,
    ),
  };
}
