import { REDACTED, compile, explain, isBureauPath, parseNow } from '@tagforge/rules';

const NOW = parseNow('2026-01-01T00:00:00Z');

const lowRisk = {
  and: [
    { '!!': { var: 'bureau.score' } },
    { '>=': [{ var: 'bureau.score' }, 700] },
    { none: [{ var: 'cards' }, { '>': [{ var: 'currentDpd' }, 0] }] },
    { '<=': [18, { years_since: { var: 'demographics.birthDate' } }, 65] },
  ],
};

describe('explain', () => {
  it('tells why a tag holds, in a short account', () => {
    const profile = {
      bureau: { score: 742 },
      cards: [{ currentDpd: 0 }, { currentDpd: 0 }],
      demographics: { birthDate: '1990-05-01' },
    };
    const explanation = explain(lowRisk, profile, NOW);
    expect(explanation.value).toBe(true);
    expect(explanation.account).toBe(
      'bureau.score = 742 is set ✓; bureau.score = 742 >= 700 ✓; cards[*].currentDpd: none > 0 ✓; ' +
        '18 <= years_since(demographics.birthDate = "1990-05-01") = 35 <= 65 ✓',
    );
    expect(explanation.reads).toEqual({
      'bureau.score': 742,
      cards: [{ currentDpd: 0 }, { currentDpd: 0 }],
      'cards[0].currentDpd': 0,
      'cards[1].currentDpd': 0,
      'demographics.birthDate': '1990-05-01',
    });
  });

  it('tells why a tag does not hold, and what was not evaluated', () => {
    const explanation = explain(lowRisk, { bureau: { score: 640 }, cards: [{ currentDpd: 3 }] }, NOW);
    expect(explanation.value).toBe(false);
    expect(explanation.account).toBe(
      'bureau.score = 640 is set ✓; bureau.score = 640 >= 700 ✗; 2 more not evaluated',
    );
    expect(explain(lowRisk, {}, NOW).account).toBe('bureau.score = null is set ✗; 3 more not evaluated');
  });

  it('traces each node with its operator, inputs and value', () => {
    const { trace } = explain({ '>=': [{ var: 'bureau.score' }, 700] }, { bureau: { score: 742 } }, NOW);
    expect(trace).toEqual({
      pointer: '',
      op: '>=',
      inputs: [742, 700],
      value: true,
      children: [
        {
          pointer: '/>=/0',
          op: 'var',
          inputs: ['bureau.score'],
          value: 742,
          children: [],
          path: 'bureau.score',
        },
      ],
    });
  });

  it('reports a rule that throws instead of throwing', () => {
    const explanation = explain({ and: [true, { in: ['a', { var: 'o' }] }] }, { o: { indexOf: 1 } }, NOW);
    expect(explanation.value).toBeUndefined();
    expect(explanation.error).toMatch(/not a function/);
    expect(explanation.account).toMatch(/rule threw/);
  });

  it('gives the value compile() gives', () => {
    const rules = [
      lowRisk,
      {
        if: [
          { '!': { var: 'bureau.score' } },
          null,
          { '>=': [{ var: 'bureau.score' }, 750] },
          'excellent',
          'other',
        ],
      },
      { reduce: [{ var: 'loans' }, { '+': [{ var: 'accumulator' }, { var: 'current.outstanding' }] }, 0] },
      { some: [{ var: 'loans' }, { '<': [{ days_since: { var: 'closedAt' } }, 90] }] },
      { in: [{ var: 'marketing.preferredChannel' }, ['app', 'sms']] },
    ];
    const profiles = [
      {},
      { bureau: { score: 800 }, loans: [{ outstanding: 5, closedAt: '2025-12-01' }, { outstanding: '7' }] },
      { bureau: { score: null }, loans: [], marketing: { preferredChannel: 'sms' } },
    ];
    for (const rule of rules) {
      const compiled = compile(rule);
      for (const profile of profiles)
        expect(explain(rule, profile, NOW).value).toEqual(compiled(profile, NOW));
    }
  });

  it('hides the values of hidden paths and of everything computed from them alone', () => {
    const rule = {
      and: [
        { '>=': [{ var: 'bureau.score' }, 680] },
        { '<': [{ '/': [{ var: 'bureau.monthlyDebtPayment' }, { var: 'income.monthlySalary' }] }, 0.5] },
        { '<': [{ '-': [{ var: 'bureau.otherDebt' }, 100] }, 90000] },
      ],
    };
    const data = {
      bureau: { score: 742, monthlyDebtPayment: 4123.5, otherDebt: 81234.25 },
      income: { monthlySalary: 20000 },
    };
    const open = explain(rule, data, NOW);
    const hidden = explain(rule, data, NOW, { hiddenPaths: isBureauPath });
    expect(hidden.value).toBe(open.value);
    const text = JSON.stringify(hidden);
    for (const secret of ['742', '4123.5', '81234.25', '81134.25']) expect(text).not.toContain(secret);
    expect(hidden.reads).toEqual({ 'income.monthlySalary': 20000 });
    // The ratio mixes bureau and income data: it stays, as does the income value.
    expect(text).toContain('0.206175');
    expect(hidden.account).toContain(`bureau.score = "${REDACTED}"`);
  });
});
