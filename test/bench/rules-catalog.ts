// Realistic tag rules (docs/DOMAIN.md) for the rule-engine benchmark; all guarded against the
// `null < 580` trap the way analysts are told to write them.
const birthDate = { var: 'demographics.birthDate' };
const age = { years_since: birthDate };
const score = { var: 'bureau.score' };

export const BENCH_RULES: Record<string, unknown> = {
  // Two comparisons, not {"<=": [22, age, 30]}: json-logic-engine 5.0.7 throws NaN on a 3-argument
  // comparison around an operator call, and the benchmark should time its normal path.
  age_young_professional: { and: [{ '!!': birthDate }, { '>=': [age, 22] }, { '<=': [age, 30] }] },
  age_prime: { and: [{ '!!': birthDate }, { '>=': [age, 31] }, { '<=': [age, 45] }] },
  age_senior: { '>=': [age, 60] },
  loan_age_eligible: { and: [{ '!!': birthDate }, { '>=': [age, 18] }, { '<=': [age, 65] }] },
  score_band: {
    if: [
      { '!': score },
      null,
      { '>=': [score, 750] },
      'excellent',
      { '>=': [score, 700] },
      'good',
      { '>=': [score, 650] },
      'fair',
      'poor',
    ],
  },
  low_score: { and: [{ '!!': score }, { '<': [score, 580] }] },
  good_score: { and: [{ '!!': score }, { '>=': [score, 700] }] },
  currently_overdue: {
    or: [
      { some: [{ var: 'loans' }, { '>': [{ var: 'currentDpd' }, 0] }] },
      { some: [{ var: 'cards' }, { '>': [{ var: 'currentDpd' }, 0] }] },
    ],
  },
  card_overdue_3_consecutive_days: {
    some: [{ var: 'cards' }, { '>=': [{ var: 'consecutiveOverdueDays' }, 3] }],
  },
  card_high_utilization: { some: [{ var: 'cards' }, { '>=': [{ var: 'utilization' }, 0.8] }] },
  min_payment_only: { some: [{ var: 'cards' }, { var: 'minPaymentOnly3m' }] },
  has_mortgage: {
    some: [
      { var: 'loans' },
      { and: [{ '==': [{ var: 'type' }, 'mortgage'] }, { '==': [{ var: 'status' }, 'active'] }] },
    ],
  },
  mortgage_near_payoff: {
    some: [
      { var: 'loans' },
      {
        and: [
          { '==': [{ var: 'type' }, 'mortgage'] },
          { '==': [{ var: 'status' }, 'active'] },
          { '!=': [{ var: 'remainingTerms' }, null] },
          { '<=': [{ var: 'remainingTerms' }, 12] },
        ],
      },
    ],
  },
  loan_closed_recently: {
    some: [
      { var: 'loans' },
      {
        and: [
          { '==': [{ var: 'status' }, 'closed'] },
          { '!!': { var: 'closedAt' } },
          { '<=': [{ days_since: { var: 'closedAt' } }, 90] },
        ],
      },
    ],
  },
  repeat_borrower: {
    '>=': [
      {
        reduce: [
          {
            filter: [
              { var: 'loans' },
              { and: [{ '==': [{ var: 'status' }, 'closed'] }, { '==': [{ var: 'maxDpd12m' }, 0] }] },
            ],
          },
          { '+': [{ var: 'accumulator' }, 1] },
          0,
        ],
      },
      2,
    ],
  },
  always_on_time_24m: {
    and: [
      { some: [{ var: 'loans' }, true] },
      {
        all: [
          { var: 'loans' },
          { and: [{ '==': [{ var: 'maxDpd12m' }, 0] }, { '>=': [{ var: 'onTimePayments24m' }, 24] }] },
        ],
      },
    ],
  },
  payroll_customer: { '==': [{ var: 'income.payrollAtBank' }, true] },
  salary_inflow_anomaly: {
    and: [
      { var: 'income.payrollAtBank' },
      {
        or: [
          { '>': [{ days_since: { var: 'income.lastSalaryDate' } }, 62] },
          { '<': [{ var: 'income.salaryHistory6m.0' }, { '*': [{ var: 'income.salaryHistory6m.1' }, 0.7] }] },
        ],
      },
    ],
  },
  salary_raise: { '>=': [{ var: ['income.salaryIncreasePct12m', 0] }, 10] },
  affluent: { '>=': [{ var: ['deposits.aum', 0] }, 500_000] },
  high_net_worth: { '>=': [{ var: ['deposits.aum', 0] }, 6_000_000] },
  churn_risk: {
    and: [{ '!!': { var: 'deposits.balanceTrend3m' } }, { '<': [{ var: 'deposits.balanceTrend3m' }, -0.2] }],
  },
  deposit_growth: {
    '>': [{ var: ['deposits.avgBalance3m', 0] }, { '*': [{ var: ['deposits.avgBalance12m', 0] }, 1.1] }],
  },
  marketing_fatigue: {
    and: [
      { '>=': [{ var: ['marketing.contacts30d', 0] }, 5] },
      { '==': [{ var: ['marketing.responses180d', 0] }, 0] },
    ],
  },
  campaign_responder: {
    and: [
      { '!!': { var: 'marketing.lastResponseAt' } },
      { '<=': [{ days_since: { var: 'marketing.lastResponseAt' } }, 180] },
    ],
  },
  preferred_channel: {
    if: [
      { var: 'marketing.optOut' },
      null,
      { in: [{ var: 'marketing.preferredChannel' }, ['app', 'wechat', 'sms', 'phone', 'branch']] },
      { var: 'marketing.preferredChannel' },
      'app',
    ],
  },
  high_intent_digital: {
    or: [
      { '>=': [{ var: ['digital.loanPageViews7d', 0] }, 3] },
      { '>=': [{ var: ['digital.loanCalculatorUses30d', 0] }, 2] },
      {
        '>': [
          { var: ['digital.applicationsStarted30d', 0] },
          { var: ['digital.applicationsSubmitted30d', 0] },
        ],
      },
    ],
  },
  digital_active: {
    and: [
      { '!!': { var: 'digital.appLastLoginAt' } },
      { '<=': [{ days_since: { var: 'digital.appLastLoginAt' } }, 30] },
    ],
  },
  multi_lender: {
    or: [
      { '>=': [{ var: ['bureau.inquiries3m', 0] }, 4] },
      { '>=': [{ var: ['bureau.otherLenders', 0] }, 3] },
    ],
  },
  frequent_contact_changes: {
    '>=': [{ '+': [{ var: ['contact.phoneChanges90d', 0] }, { var: ['contact.addressChanges90d', 0] }] }, 3],
  },
  big_ticket_spending: {
    '>': [
      {
        '+': [
          { var: ['transactions.spendByCategory30d.home_furnishing', 0] },
          { var: ['transactions.spendByCategory30d.auto', 0] },
          { var: ['transactions.spendByCategory30d.education', 0] },
        ],
      },
      20_000,
    ],
  },
  gambling_spend: { '>': [{ var: ['transactions.spendByCategory30d.gambling', 0] }, 0] },
  risk_points: {
    '+': [
      { if: [{ '>=': [score, 750] }, 40, { '>=': [score, 650] }, 20, 0] },
      { if: [{ some: [{ var: 'loans' }, { '>': [{ var: 'currentDpd' }, 0] }] }, -30, 10] },
      { if: [{ var: 'income.payrollAtBank' }, 15, 0] },
    ],
  },
  new_customer: {
    and: [
      { '!!': { var: 'relationship.customerSince' } },
      { '<': [{ days_since: { var: 'relationship.customerSince' } }, 90] },
    ],
  },
  long_tenure: { '>=': [{ years_since: { var: 'relationship.customerSince' } }, 5] },
  tier_1_2_city: { in: [{ var: 'demographics.cityTier' }, [1, 2]] },
  kyc_complete: { '==': [{ var: 'relationship.kycStatus' }, 'complete'] },
  occupation_type: { cat: ['occ_', { var: ['demographics.occupation', 'unknown'] }] },
  married_with_children: {
    and: [
      { '==': [{ var: 'demographics.maritalStatus' }, 'married'] },
      { '>': [{ var: ['demographics.children', 0] }, 0] },
    ],
  },
};
