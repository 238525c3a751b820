import fc from 'fast-check';
import { referenceApply, truthy } from '@tagforge/rules';
import {
  checkAdHocRule,
  driverOf,
  selectCombinations,
  setRuleOf,
  type SetRule,
  type TagKindOf,
} from './ad-hoc';

const KINDS: Record<string, 'boolean' | 'category' | 'number' | 'segment'> = {
  high_intent: 'boolean',
  low_risk: 'boolean',
  do_not_market: 'segment',
  age_band: 'category',
  risk_score: 'number',
};
const kindOf: TagKindOf = (tagId) => KINDS[tagId];
const known = new Set(Object.keys(KINDS));

describe('ad-hoc rules', () => {
  it('accepts rules over tags only, as segment rules', () => {
    const rule = { and: [{ var: 'tags.high_intent' }, { '!': { var: 'tags.do_not_market' } }] };
    expect(checkAdHocRule(rule, kindOf, known)).toEqual({ rule, tagIds: ['do_not_market', 'high_intent'] });
  });

  it('refuses profile paths, the clock, unknown tags and what the dialect refuses', () => {
    const codes = (rule: unknown) => {
      const checked = checkAdHocRule(rule, kindOf, known);
      return 'problems' in checked ? checked.problems.map((problem) => problem.code) : [];
    };
    expect(codes({ '>': [{ var: 'deposits.balance' }, 1] })).toContain('ad_hoc_reads_profile');
    expect(codes({ '>': [{ days_since: { var: 'tags.age_band' } }, 1] })).toContain('ad_hoc_reads_now');
    expect(codes({ var: 'tags.nope' })).toContain('unknown_tag');
    expect(codes({ log: 1 })).not.toEqual([]);
  });

  it('selects the combinations the reference json-logic-js selects, absent booleans reading false', () => {
    const values = fc.record(
      {
        high_intent: fc.constant(true),
        do_not_market: fc.constant(true),
        age_band: fc.constantFrom('22_30', '31_45', '60_plus'),
        risk_score: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: [] },
    );
    const rule = {
      or: [
        { and: [{ var: 'tags.high_intent' }, { '==': [{ var: 'tags.do_not_market' }, false] }] },
        { and: [{ '==': [{ var: 'tags.age_band' }, '31_45'] }, { '<': [{ var: 'tags.risk_score' }, 40] }] },
      ],
    };
    const checked = checkAdHocRule(rule, kindOf, known);
    if ('problems' in checked) throw new Error('invalid');
    fc.assert(
      fc.property(
        fc.array(fc.record({ values, customers: fc.integer({ min: 1, max: 9 }) }), { maxLength: 30 }),
        (combinations) => {
          const { selected, size } = selectCombinations(checked, kindOf, combinations, 0);
          const reference = combinations.filter(({ values: held }) => {
            const tags = {
              high_intent: held.high_intent ?? false,
              do_not_market: held.do_not_market ?? false,
              age_band: held.age_band ?? null,
              risk_score: held.risk_score ?? null,
            };
            return truthy(referenceApply(rule, { tags }, 0));
          });
          expect(selected).toEqual(reference);
          expect(size).toBe(reference.reduce((sum, combination) => sum + combination.customers, 0));
        },
      ),
    );
  });
});

describe('rules counted as set algebra', () => {
  it('recognises and / or / ! / !! over boolean tags and segments, and the tag to start from', () => {
    const rule = {
      and: [
        { var: 'tags.high_intent' },
        { '!!': { var: 'tags.low_risk' } },
        { '!': { var: 'tags.do_not_market' } },
      ],
    };
    const set = setRuleOf(rule, kindOf);
    expect(set).toEqual({
      kind: 'and',
      of: [
        { kind: 'tag', tagId: 'high_intent' },
        { kind: 'tag', tagId: 'low_risk' },
        { kind: 'not', of: { kind: 'tag', tagId: 'do_not_market' } },
      ],
    });
    expect(driverOf(set!)).toBe('high_intent');
    expect(driverOf(setRuleOf({ '!': { var: 'tags.do_not_market' } }, kindOf)!)).toBeNull();
    expect(
      driverOf(setRuleOf({ or: [{ var: 'tags.high_intent' }, { var: 'tags.low_risk' }] }, kindOf)!),
    ).toBeNull();
  });

  it('leaves every other rule to the evaluator', () => {
    for (const rule of [
      { var: 'tags.age_band' },
      { '==': [{ var: 'tags.high_intent' }, true] },
      { if: [{ var: 'tags.high_intent' }, true, false] },
      { var: ['tags.high_intent', true] },
      { and: [] },
      { var: 'tags.nope' },
    ]) {
      expect(setRuleOf(rule, kindOf)).toBeNull();
    }
  });

  it('agrees with the reference on every combination of held tags', () => {
    const leaf = fc
      .constantFrom('high_intent', 'low_risk', 'do_not_market')
      .map((tagId) => ({ var: `tags.${tagId}` }));
    const rule: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('node').map((of) => ({ '!': of })),
        tie('node').map((of) => ({ '!!': of })),
        fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((of) => ({ and: of })),
        fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((of) => ({ or: of })),
      ),
    })).node;
    const holds = (set: SetRule, held: Set<string>): boolean => {
      switch (set.kind) {
        case 'tag':
          return held.has(set.tagId);
        case 'not':
          return !holds(set.of, held);
        case 'and':
          return set.of.every((part) => holds(part, held));
        case 'or':
          return set.of.some((part) => holds(part, held));
      }
    };
    fc.assert(
      fc.property(rule, fc.subarray(['high_intent', 'low_risk', 'do_not_market']), (candidate, heldTags) => {
        const set = setRuleOf(candidate, kindOf);
        if (!set) throw new Error('not a set rule');
        const held = new Set(heldTags);
        const tags = Object.fromEntries(
          ['high_intent', 'low_risk', 'do_not_market'].map((tagId) => [tagId, held.has(tagId)]),
        );
        expect(holds(set, held)).toBe(truthy(referenceApply(candidate, { tags }, 0)));
        const driver = driverOf(set);
        if (driver && holds(set, held)) expect(held.has(driver)).toBe(true);
      }),
    );
  });
});
