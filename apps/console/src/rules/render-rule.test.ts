import { describe, expect, it } from 'vitest';
import { renderExpression, renderRule, RULE_WORDS, tagsRead } from './render-rule';

const names: Record<string, string> = {
  high_intent: 'High intent',
  low_risk: 'Low risk',
  high_risk: 'High risk',
};
const options = { words: RULE_WORDS.en, tagName: (id: string) => names[id] ?? id };

describe('renderRule', () => {
  it('outlines and / or with one line per condition and tags by name', () => {
    const rule = {
      and: [{ var: 'tags.high_intent' }, { var: 'tags.low_risk' }, { '!': { var: 'tags.high_risk' } }],
    };
    expect(renderRule(rule, options)).toEqual({
      text: 'all of',
      children: [{ text: '«High intent»' }, { text: '«Low risk»' }, { text: 'not («High risk»)' }],
    });
  });

  it('renders comparisons, guards, time operators and quantifiers readably', () => {
    expect(renderExpression({ '>=': [{ var: 'bureau.score' }, 680] }, options)).toBe('bureau.score ≥ 680');
    expect(renderExpression({ '!!': { var: 'bureau.score' } }, options)).toBe('bureau.score is set');
    expect(renderExpression({ '>': [{ days_since: { var: 'income.lastSalaryDate' } }, 45] }, options)).toBe(
      'days since(income.lastSalaryDate) > 45',
    );
    expect(renderExpression({ some: [{ var: 'cards' }, { '>': [{ var: 'currentDpd' }, 0] }] }, options)).toBe(
      'some cards: currentDpd > 0',
    );
    expect(
      renderExpression({ '<=': [18, { years_since: { var: 'demographics.birthDate' } }, 65] }, options),
    ).toBe('18 ≤ years since(demographics.birthDate) ≤ 65');
    expect(
      renderExpression({ in: [{ var: 'demographics.occupation' }, ['retired', 'student']] }, options),
    ).toBe('demographics.occupation in ["retired", "student"]');
    expect(renderExpression({ if: [{ var: 'tags.low_risk' }, 'A', 'B'] }, options)).toBe(
      'if «Low risk» then "A" else "B"',
    );
  });

  it('nests a negated group and speaks Chinese', () => {
    const rule = { '!': { or: [{ var: 'marketing.optOut' }, { var: 'tags.high_risk' }] } };
    const zh = renderRule(rule, { words: RULE_WORDS.zh, tagName: () => '高风险客户' });
    expect(zh).toEqual({
      text: '非',
      children: [{ text: '满足任一', children: [{ text: 'marketing.optOut' }, { text: '«高风险客户»' }] }],
    });
  });

  it('lists the tags a rule reads, once each, including var defaults', () => {
    expect(
      tagsRead({
        and: [{ var: 'tags.a' }, { var: ['tags.b', false] }, { '!': { var: 'tags.a' } }, { var: 'x.y' }],
      }),
    ).toEqual(['a', 'b']);
  });
});
