// The ad-hoc combination builder: groups of conditions over tags, each condition possibly negated,
// conditions joined by their group's operator and groups by the top operator. The rule it builds is
// JSON Logic over tags only, as POST /v1/insights/count takes it.
export type Joiner = 'and' | 'or';
export type Comparison = '>=' | '<=' | '==';

export interface Condition {
  tagId: string | undefined;
  kind: 'boolean' | 'segment' | 'category' | 'number' | undefined;
  negate: boolean;
  // A category tag: the value; a number tag: the bound compared with.
  value?: string;
  comparison?: Comparison;
}

export interface Group {
  joiner: Joiner;
  conditions: Condition[];
}

export interface Combination {
  joiner: Joiner;
  groups: Group[];
}

export const emptyCondition = (): Condition => ({ tagId: undefined, kind: undefined, negate: false });
export const emptyCombination = (): Combination => ({
  joiner: 'and',
  groups: [{ joiner: 'and', conditions: [emptyCondition()] }],
});

type Rule = Record<string, unknown>;

// A condition's rule, or null while it is not filled in yet (no tag, no value, a number that is not one).
export function conditionRule(condition: Condition): Rule | null {
  if (!condition.tagId || !condition.kind) return null;
  const tag = { var: `tags.${condition.tagId}` };
  let rule: Rule;
  switch (condition.kind) {
    case 'boolean':
    case 'segment':
      rule = tag;
      break;
    case 'category':
      if (condition.value === undefined || condition.value === '') return null;
      rule = { '==': [tag, condition.value] };
      break;
    case 'number': {
      const text = condition.value?.trim() ?? '';
      const bound = Number(text);
      if (text === '' || !Number.isFinite(bound)) return null;
      rule = { [condition.comparison ?? '>=']: [tag, bound] };
      break;
    }
  }
  return condition.negate ? { '!': rule } : rule;
}

function join(joiner: Joiner, rules: Rule[]): Rule | null {
  if (rules.length === 0) return null;
  return rules.length === 1 ? rules[0] : { [joiner]: rules };
}

// The whole rule, or null when no condition is complete. Incomplete conditions are left out, so
// the count follows what the person has filled in so far.
export function combinationRule(combination: Combination): Rule | null {
  const groups = combination.groups
    .map((group) =>
      join(
        group.joiner,
        group.conditions.map(conditionRule).filter((rule): rule is Rule => rule !== null),
      ),
    )
    .filter((rule): rule is Rule => rule !== null);
  return join(combination.joiner, groups);
}
