// The headline segments of docs/DOMAIN.md, in the order the overview shows them (the console keeps
// its own copy: its bundle does not import libs).
export const HEADLINE_SEGMENTS: readonly string[] = [
  'high_intent_loan_demand',
  'low_risk_customers',
  'repeat_borrowers',
  'instant_approval_offer',
  'credit_line_increase',
  'dormant_win_back',
  'early_warning_watchlist',
  'do_not_market',
];
