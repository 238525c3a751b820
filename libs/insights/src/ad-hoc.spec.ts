import fc from 'fast-check';
import { referenceApply, truthy } from '@tagforge/rules';
import { checkAdHocRule, selectCombinations, type TagKindOf } from './ad-hoc';

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
