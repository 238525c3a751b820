import { describe, expect, it } from 'vitest';
import { combinationRule, conditionRule, emptyCombination, type Condition } from './builder';

const held = (tagId: string, negate = false): Condition => ({ tagId, kind: 'boolean', negate });

describe('the combination builder', () => {
  it('builds nothing until a condition is filled in', () => {
    expect(combinationRule(emptyCombination())).toBeNull();
    expect(conditionRule({ tagId: 'age_band', kind: 'category', negate: false })).toBeNull();
    expect(conditionRule({ tagId: 'score', kind: 'number', negate: false, value: 'abc' })).toBeNull();
    expect(conditionRule({ tagId: 'score', kind: 'number', negate: false, value: ' ' })).toBeNull();
  });

  it('reads a boolean tag or segment as held, NOT as not held', () => {
    expect(conditionRule(held('high_intent'))).toEqual({ var: 'tags.high_intent' });
    expect(conditionRule(held('do_not_market', true))).toEqual({ '!': { var: 'tags.do_not_market' } });
    expect(conditionRule({ tagId: 'low_risk_customers', kind: 'segment', negate: false })).toEqual({
      var: 'tags.low_risk_customers',
    });
  });

  it('compares a category tag with a value and a number tag with a bound', () => {
    expect(conditionRule({ tagId: 'age_band', kind: 'category', negate: false, value: '31_45' })).toEqual({
      '==': [{ var: 'tags.age_band' }, '31_45'],
    });
    expect(
      conditionRule({
        tagId: 'credit_risk_score',
        kind: 'number',
        negate: true,
        value: '650',
        comparison: '<=',
      }),
    ).toEqual({ '!': { '<=': [{ var: 'tags.credit_risk_score' }, 650] } });
    expect(
      conditionRule({ tagId: 'credit_risk_score', kind: 'number', negate: false, value: '-1.5' }),
    ).toEqual({
      '>=': [{ var: 'tags.credit_risk_score' }, -1.5],
    });
  });

  it('joins conditions by their group and groups by the top operator, leaving out unfinished ones', () => {
    // "high intent AND low risk AND NOT do-not-market", the example of docs/insights.md.
    expect(
      combinationRule({
        joiner: 'and',
        groups: [
          { joiner: 'and', conditions: [held('high_intent'), held('low_risk'), held('do_not_market', true)] },
        ],
      }),
    ).toEqual({
      and: [{ var: 'tags.high_intent' }, { var: 'tags.low_risk' }, { '!': { var: 'tags.do_not_market' } }],
    });
    expect(
      combinationRule({
        joiner: 'or',
        groups: [
          { joiner: 'and', conditions: [held('a'), { tagId: undefined, kind: undefined, negate: false }] },
          { joiner: 'or', conditions: [held('b'), held('c', true)] },
          { joiner: 'and', conditions: [{ tagId: 'x', kind: 'category', negate: false }] },
        ],
      }),
    ).toEqual({ or: [{ var: 'tags.a' }, { or: [{ var: 'tags.b' }, { '!': { var: 'tags.c' } }] }] });
  });
});
