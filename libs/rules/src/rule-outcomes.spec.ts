import { ruleOutcomes } from '@tagforge/rules';

describe('ruleOutcomes', () => {
  it('lists the literal values of if chains, nested ifs and and/or', () => {
    expect(ruleOutcomes({ if: [{ var: 'a' }, 'A', { var: 'b' }, 'B', 'C'] })).toEqual(['A', 'B', 'C']);
    expect(ruleOutcomes({ if: [{ var: 'a' }, { if: [{ var: 'b' }, 'x', 'y'] }, null] })).toEqual([
      'x',
      'y',
      null,
    ]);
    expect(ruleOutcomes({ if: [{ var: 'a' }, 'only'] })).toEqual(['only', null]);
    expect(ruleOutcomes({ or: [{ '?:': [true, 'a', 'b'] }, 'c'] })).toEqual(['a', 'b', 'c']);
  });

  it('is undefined when an outcome is computed', () => {
    expect(ruleOutcomes({ var: 'a' })).toBeUndefined();
    expect(ruleOutcomes({ if: [{ var: 'a' }, { cat: ['x', 'y'] }, 'z'] })).toBeUndefined();
    expect(ruleOutcomes({ or: [{ var: 'a' }, 'z'] })).toBeUndefined();
    expect(ruleOutcomes(['a'])).toBeUndefined();
  });
});
