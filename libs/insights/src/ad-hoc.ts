import { compile, ruleDependencies, truthy, validateRule, type RuleProblemCode } from '@tagforge/rules';

// Ad-hoc audiences (pure): a JSON Logic rule over tags only, validated like a segment rule, evaluated
// once per distinct combination of the values of the tags it reads (not once per customer) with the
// catalog's own compiled engine, so its answer is the one a segment with that rule would give.

export const MAX_AD_HOC_TAGS = 12;
export const MAX_COMBINATIONS = 20_000;

export type TagKindOf = (tagId: string) => 'boolean' | 'category' | 'number' | 'segment' | undefined;

export interface AdHocProblem {
  code: RuleProblemCode | 'ad_hoc_reads_profile' | 'ad_hoc_reads_now' | 'ad_hoc_too_many_tags';
  message: string;
  // RFC 6901 pointer into the rule; '' is the whole rule
  pointer: string;
}

export interface AdHocRule {
  rule: unknown;
  tagIds: string[];
}

export function checkAdHocRule(
  rule: unknown,
  kindOf: TagKindOf,
  knownTags: ReadonlySet<string>,
): AdHocRule | { problems: AdHocProblem[] } {
  const { errors } = validateRule(rule, { knownTags });
  if (errors.length > 0) return { problems: errors };
  const dependencies = ruleDependencies(rule);
  const problems: AdHocProblem[] = [];
  for (const path of dependencies.paths) {
    problems.push({
      code: 'ad_hoc_reads_profile',
      message: `an ad-hoc audience reads tags only ({"var": "tags.<id>"}), not the profile path "${path}"`,
      pointer: '',
    });
  }
  if (dependencies.readsNow) {
    problems.push({
      code: 'ad_hoc_reads_now',
      message:
        'an ad-hoc audience cannot read the clock (days_since and the like): its answer would change by itself',
      pointer: '',
    });
  }
  if (dependencies.tags.length > MAX_AD_HOC_TAGS) {
    problems.push({
      code: 'ad_hoc_too_many_tags',
      message: `an ad-hoc audience reads at most ${MAX_AD_HOC_TAGS} tags`,
      pointer: '',
    });
  }
  for (const tagId of dependencies.tags) {
    if (kindOf(tagId) === undefined)
      problems.push({ code: 'unknown_tag', message: `no active tag ${tagId}`, pointer: '' });
  }
  if (problems.length > 0) return { problems };
  return { rule, tagIds: [...dependencies.tags].sort() };
}

// One combination of stored values (tag id -> value, absent tags left out) and how many customers hold it.

// The stored values of a combination read as a mask of held tags (bit i: tagIds[i]) and the values
// of the held tags that are not boolean: a held boolean tag or segment is stored as true.
export function combinationValues(
  tagIds: readonly string[],
  kindOf: TagKindOf,
  mask: number,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const held: Record<string, unknown> = {};
  tagIds.forEach((tagId, i) => {
    if ((mask & (1 << i)) === 0) return;
    const kind = kindOf(tagId);
    held[tagId] = kind === 'boolean' || kind === 'segment' ? true : values[tagId];
  });
  return held;
}
export interface Combination {
  values: Record<string, unknown>;
  customers: number;
}

// The combinations the rule selects, and how many customers they hold. Absent tags read as the
// evaluator reads them: false for boolean tags and segments, null otherwise.
export function selectCombinations<T extends Combination>(
  adHoc: AdHocRule,
  kindOf: TagKindOf,
  combinations: readonly T[],
  now: number,
): { selected: T[]; size: number } {
  const evaluate = compile(adHoc.rule);
  const selected: T[] = [];
  let size = 0;
  for (const combination of combinations) {
    const tags: Record<string, unknown> = {};
    for (const tagId of adHoc.tagIds) {
      const kind = kindOf(tagId);
      tags[tagId] =
        tagId in combination.values
          ? combination.values[tagId]
          : kind === 'boolean' || kind === 'segment'
            ? false
            : null;
    }
    let result: unknown;
    try {
      result = evaluate({ tags }, now);
    } catch {
      // A rule that throws for a customer leaves it out, as a segment rule would not set it.
      continue;
    }
    if (!truthy(result)) continue;
    selected.push(combination);
    size += combination.customers;
  }
  return { selected, size };
}

// The part of the dialect that is plain set algebra over boolean tags and segments: a held one reads
// true (its row), an absent one false, and JSON Logic's and / or / ! / !! then decide by truthiness
// alone. A rule of this form is counted with SQL directly (the same answer as evaluating it).
export type SetRule =
  { kind: 'tag'; tagId: string } | { kind: 'not'; of: SetRule } | { kind: 'and' | 'or'; of: SetRule[] };

export function setRuleOf(rule: unknown, kindOf: TagKindOf): SetRule | null {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return null;
  const entries = Object.entries(rule);
  if (entries.length !== 1) return null;
  const [operator, raw] = entries[0];
  const args: unknown[] = Array.isArray(raw) ? raw : [raw];
  switch (operator) {
    case 'var': {
      if (args.length !== 1 || typeof args[0] !== 'string' || !args[0].startsWith('tags.')) return null;
      const tagId = args[0].slice('tags.'.length);
      const kind = kindOf(tagId);
      return kind === 'boolean' || kind === 'segment' ? { kind: 'tag', tagId } : null;
    }
    case '!':
    case '!!': {
      if (args.length !== 1) return null;
      const of = setRuleOf(args[0], kindOf);
      if (!of) return null;
      return operator === '!' ? { kind: 'not', of } : of;
    }
    case 'and':
    case 'or': {
      if (args.length === 0) return null;
      const of = args.map((arg) => setRuleOf(arg, kindOf));
      return of.every((part): part is SetRule => part !== null) ? { kind: operator, of } : null;
    }
    default:
      return null;
  }
}

// The tag whose holders contain every member of the set: a positive tag of the rule, or of a
// conjunction at its top. Counting can start from its rows; without one, every customer is a candidate.
export function driverOf(rule: SetRule): string | null {
  if (rule.kind === 'tag') return rule.tagId;
  if (rule.kind === 'and') {
    for (const part of rule.of) {
      const driver = driverOf(part);
      if (driver) return driver;
    }
  }
  return null;
}
