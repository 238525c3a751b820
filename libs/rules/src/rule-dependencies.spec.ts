import { ruleDependencies } from '@tagforge/rules';

describe('ruleDependencies', () => {
  it('lists paths as written, tags read, and whether now is read', () => {
    const rule = {
      and: [
        { '!!': { var: 'bureau.score' } },
        { '>=': [{ var: 'bureau.score' }, 700] },
        { var: 'tags.low_risk' },
        { '<': [{ years_since: { var: ['demographics.birthDate', null] } }, 30] },
        { missing: ['income.monthlySalary', 'deposits.balance'] },
        { missing_some: [1, ['contact.phoneChanges90d']] },
        { var: 1 },
      ],
    };
    expect(ruleDependencies(rule)).toEqual({
      paths: [
        'bureau.score',
        'demographics.birthDate',
        'income.monthlySalary',
        'deposits.balance',
        'contact.phoneChanges90d',
        '1',
      ],
      tags: ['low_risk'],
      readsNow: true,
    });
  });

  it('resolves reads inside some/all/none/map/filter/reduce to the array iterated', () => {
    expect(
      ruleDependencies({
        or: [
          { some: [{ var: 'loans' }, { '>': [{ var: 'currentDpd' }, 0] }] },
          { none: [{ var: 'cards' }, { some: [{ var: 'payments' }, { var: 'late' }] }] },
          {
            reduce: [
              { filter: [{ var: 'income.salaryHistory6m' }, { var: '' }] },
              { var: 'current' },
              { var: 'x' },
            ],
          },
          { all: [[1, 2], { var: '' }] },
        ],
      }),
    ).toEqual({ paths: ['loans', 'cards', 'income.salaryHistory6m', 'x'], tags: [], readsNow: false });
    expect(ruleDependencies({ some: [{ var: 'loans' }, { days_since: { var: 'closedAt' } }] }).readsNow).toBe(
      true,
    );
  });

  it('marks whole-document and computed reads with the empty path', () => {
    expect(ruleDependencies({ var: '' }).paths).toEqual(['']);
    expect(ruleDependencies({ var: { cat: ['a', { var: 'b' }] } }).paths).toEqual(['', 'b']);
  });

  it('copes with hostile input', () => {
    let deep: unknown = { var: 'x' };
    for (let i = 0; i < 20_000; i += 1) deep = { '!': [deep] };
    expect(() => ruleDependencies(deep)).not.toThrow();
  });
});
