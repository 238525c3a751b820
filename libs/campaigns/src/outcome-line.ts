import { ErrorCode, isCustomerId, storableReviver } from '@tagforge/common';

export const OUTCOMES = ['contacted', 'responded', 'converted', 'complained', 'defaulted'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const isOutcome = (value: unknown): value is Outcome =>
  typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);

export const MAX_OUTCOME_LINES = 10_000;
// Amounts are CNY with at most fen precision, within what numeric(18, 2) stores.
export const MAX_OUTCOME_AMOUNT = 1e15;

export interface OutcomeRecord {
  customerId: string;
  outcome: Outcome;
  at: Date;
  amount: number | null;
}

export interface OutcomeLineError {
  line: number;
  status: 'error';
  customerId?: string;
  error: { code: ErrorCode; message: string };
}

const FIELDS = new Set(['customerId', 'outcome', 'at', 'amount']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const refused = (line: number, message: string, customerId?: string): OutcomeLineError => ({
  line,
  status: 'error',
  ...(customerId !== undefined ? { customerId } : {}),
  error: { code: ErrorCode.BadRequest, message },
});

/**
 * One NDJSON line of outcomes: `{"customerId", "outcome", "at", "amount"?}`. `at` is an ISO 8601
 * date-time with an offset, not after `now` (an outcome has happened); `amount` a non-negative number
 * with at most two decimals. Anything else is refused with the line's number.
 */
export function parseOutcomeLine(text: string, line: number, now: Date): OutcomeRecord | OutcomeLineError {
  let value: unknown;
  try {
    value = JSON.parse(text, storableReviver);
  } catch {
    return refused(line, `line ${line} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refused(line, `line ${line} is not a JSON object`);
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.has(key));
  const customerId = isCustomerId(record.customerId) ? record.customerId : undefined;
  if (customerId === undefined) {
    return refused(
      line,
      record.customerId === undefined
        ? `line ${line} has no customerId`
        : `line ${line}: customerId must be 1-64 characters of letters, digits and _ . : -`,
    );
  }
  if (unknown.length > 0) {
    return refused(
      line,
      `line ${line}: unknown field ${JSON.stringify(unknown[0].slice(0, 64))}`,
      customerId,
    );
  }
  if (!isOutcome(record.outcome)) {
    return refused(line, `line ${line}: outcome must be one of ${OUTCOMES.join(', ')}`, customerId);
  }
  const at = typeof record.at === 'string' && INSTANT.test(record.at) ? new Date(record.at) : null;
  if (at === null || Number.isNaN(at.getTime())) {
    return refused(line, `line ${line}: at must be an ISO 8601 date-time with an offset`, customerId);
  }
  if (at.getTime() > now.getTime()) {
    return refused(
      line,
      `line ${line}: at is in the future; an outcome is recorded once it happened`,
      customerId,
    );
  }
  let amount: number | null = null;
  if (record.amount !== undefined && record.amount !== null) {
    const given = record.amount;
    if (
      typeof given !== 'number' ||
      !Number.isFinite(given) ||
      given < 0 ||
      given >= MAX_OUTCOME_AMOUNT ||
      Math.abs(Math.round(given * 100) - given * 100) > 1e-6
    ) {
      return refused(
        line,
        `line ${line}: amount must be a non-negative number of CNY with at most two decimals`,
        customerId,
      );
    }
    amount = given;
  }
  return { customerId, outcome: record.outcome, at, amount };
}
