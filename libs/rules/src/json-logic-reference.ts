import jsonLogic from 'json-logic-js';
import { daysSince, monthsSince, yearsSince } from './time-operators';

// json-logic-js has one global operations table; the added operators read the instant of the
// referenceApply call in progress.
let referenceNow = 0;

// `function` expressions, as json-logic-js's own operations are (dotted names see `prototype`).
jsonLogic.add_operation('days_since', function (value: unknown) {
  return daysSince(value, referenceNow);
});
jsonLogic.add_operation('months_since', function (value: unknown) {
  return monthsSince(value, referenceNow);
});
jsonLogic.add_operation('years_since', function (value: unknown) {
  return yearsSince(value, referenceNow);
});

/** json-logic-js 2.0.5 with the added time operators: the oracle every other evaluator is tested against. */
export function referenceApply(rule: unknown, data: unknown, now: number): unknown {
  const previous = referenceNow;
  referenceNow = now;
  try {
    return jsonLogic.apply(rule as jsonLogic.RulesLogic, data) as unknown;
  } finally {
    referenceNow = previous;
  }
}
