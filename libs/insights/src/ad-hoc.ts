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
