import { type Readable } from 'node:stream';
import { type CsvRecord, csvRecords, DatasetRowError, integerField } from './csv-records';
import { birthDateForAge } from './profile-dates';
import type { CustomerRecord } from './synthetic-profiles';

// "Default of credit card clients" (UCI 350, Taiwan 2005): amounts are New Taiwan dollars.
// 1 TWD = 0.25 CNY is the 2005 rate rounded (about 32 TWD and 8.1 CNY to the US dollar).
export const TWD_TO_CNY = 0.25;

// The outcome column: it is the label of the dataset, never part of a profile.
export const UCI_LABEL_COLUMN = 'default.payment.next.month';

const GENDER: Record<number, string> = { 1: 'male', 2: 'female' };
// 0, 5 and 6 are undocumented "unknown" codes: the field is left out.
const EDUCATION: Record<number, string> = { 1: 'postgraduate', 2: 'bachelor', 3: 'secondary', 4: 'other' };
const MARRIAGE: Record<number, string> = { 1: 'married', 2: 'single', 3: 'other' };
const REPAYMENT_COLUMNS = ['PAY_0', 'PAY_2', 'PAY_3', 'PAY_4', 'PAY_5', 'PAY_6'];
const BILL_COLUMNS = ['BILL_AMT1', 'BILL_AMT2', 'BILL_AMT3', 'BILL_AMT4', 'BILL_AMT5', 'BILL_AMT6'];
const PAYMENT_COLUMNS = ['PAY_AMT1', 'PAY_AMT2', 'PAY_AMT3', 'PAY_AMT4', 'PAY_AMT5', 'PAY_AMT6'];
const MINIMUM_SHARE = 0.05;

const cny = (twd: number): number => Math.round(twd * TWD_TO_CNY * 100) / 100;
const ratio = (value: number): number => Math.round(value * 10_000) / 10_000;

/** Streams the UCI CSV as `{ customerId: "UCI-<ID>", profile }`, in file order. */
export async function* uciCreditCardProfiles(input: Readable, now: number): AsyncGenerator<CustomerRecord> {
  for await (const record of csvRecords(input, ',')) yield mapUciRecord(record, now);
}

/** Streams the label of each client, `{ customerId, label }` with 1 = defaulted the next month. */
export async function* uciCreditCardLabels(
  input: Readable,
): AsyncGenerator<{ customerId: string; label: number }> {
  for await (const record of csvRecords(input, ',')) {
    const label = integerField(record, UCI_LABEL_COLUMN);
    if (label !== 0 && label !== 1)
      throw new DatasetRowError(record.line, `${UCI_LABEL_COLUMN} must be 0 or 1, got ${label}`);
    yield { customerId: `UCI-${integerField(record, 'ID')}`, label };
  }
}

/**
 * One client onto the profile. PAY_x is the repayment status, newest first: -2 no consumption, -1 paid in
 * full, 0 revolving (at least the minimum paid), k >= 1 payment k months late, read as 30 * k days past due.
 */
export function mapUciRecord(record: CsvRecord, now: number): CustomerRecord {
  const id = integerField(record, 'ID');
  const limit = integerField(record, 'LIMIT_BAL');
  if (limit <= 0) throw new DatasetRowError(record.line, `LIMIT_BAL must be positive, got ${limit}`);
  const status = REPAYMENT_COLUMNS.map((column) => integerField(record, column));
  const bills = BILL_COLUMNS.map((column) => integerField(record, column));
  const payments = PAYMENT_COLUMNS.map((column) => integerField(record, column));

  const demographics: Record<string, unknown> = {
    birthDate: birthDateForAge(now, integerField(record, 'AGE')),
  };
  const gender = GENDER[integerField(record, 'SEX')];
  if (gender !== undefined) demographics.gender = gender;
  const education = EDUCATION[integerField(record, 'EDUCATION')];
  if (education !== undefined) demographics.education = education;
  const maritalStatus = MARRIAGE[integerField(record, 'MARRIAGE')];
  if (maritalStatus !== undefined) demographics.maritalStatus = maritalStatus;

  const currentDpd = 30 * Math.max(0, status[0]);
  const previousBills = bills.slice(1).map((bill) => Math.max(0, bill));
  // Status 0 only says "revolving" (at least the minimum paid); paying under 5 % of the previous statement,
  // three months running, is what a minimum-only payer looks like.
  const minPaymentOnly3m = [0, 1, 2].every(
    (month) =>
      status[month] === 0 && bills[month + 1] > 0 && payments[month] < MINIMUM_SHARE * bills[month + 1],
  );
  const card = {
    cardId: `UCI-${id}-1`,
    status: 'active',
    limit: cny(limit),
    balance: cny(bills[0]),
    utilization: ratio(Math.max(0, bills[0]) / limit),
    avgUtilization6m: ratio(
      previousBills.reduce((sum, bill) => sum + bill, 0) / previousBills.length / limit,
    ),
    lastStatementBalance: cny(bills[0]),
    lastPaymentAmount: cny(payments[0]),
    currentDpd,
    // A status of k months late means overdue without a break since then.
    consecutiveOverdueDays: currentDpd,
    maxDpd6m: 30 * Math.max(0, ...status),
    minPaymentOnly3m,
    dpdHistory6m: status.map((value) => 30 * Math.max(0, value)),
    paymentHistory6m: payments.map((payment) => cny(Math.max(0, payment))),
    statementHistory6m: bills.map(cny),
  };
  return { customerId: `UCI-${id}`, profile: { demographics, cards: [card] } };
}
