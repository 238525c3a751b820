import { type Readable } from 'node:stream';
import { type CsvRecord, csvRecords, DatasetRowError, integerField, textField } from './csv-records';
import { birthDateForAge, daysBefore, isoDateTime } from './profile-dates';
import type { CustomerRecord } from './synthetic-profiles';

// "Bank Marketing" (UCI 222, Portugal 2008-2010): balances are euros.
// 1 EUR = 9.5 CNY is the 2008-2010 average rounded.
export const EUR_TO_CNY = 9.5;

// `y` (subscribed a term deposit) is the outcome of the campaign: the label, never part of a profile.
export const BANK_LABEL_COLUMN = 'y';

const OCCUPATION: Record<string, string> = {
  'admin.': 'salaried',
  'blue-collar': 'salaried',
  entrepreneur: 'business_owner',
  housemaid: 'salaried',
  management: 'salaried',
  retired: 'retired',
  'self-employed': 'self_employed',
  services: 'salaried',
  student: 'student',
  technician: 'salaried',
  unemployed: 'unemployed',
};
// The dataset folds widowed into divorced.
const MARITAL: Record<string, string> = { married: 'married', single: 'single', divorced: 'divorced' };
const EDUCATION: Record<string, string> = {
  primary: 'primary',
  secondary: 'secondary',
  tertiary: 'bachelor',
};
const OUTCOME: Record<string, string> = { success: 'success', failure: 'failure', other: 'other' };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const cny = (eur: number): number => Math.round(eur * EUR_TO_CNY * 100) / 100;

/** Streams bank-full.csv (semicolon-separated, CRLF) as `{ customerId: "BANK-<row>", profile }`. */
export async function* bankMarketingProfiles(input: Readable, now: number): AsyncGenerator<CustomerRecord> {
  for await (const record of csvRecords(input, ';')) yield mapBankRecord(record, now);
}

/** Streams the outcome of each contact, `{ customerId, label }` with 1 = subscribed a term deposit. */
export async function* bankMarketingLabels(
  input: Readable,
): AsyncGenerator<{ customerId: string; label: number }> {
  for await (const record of csvRecords(input, ';')) {
    yield { customerId: `BANK-${record.index}`, label: yesNo(record, BANK_LABEL_COLUMN) ? 1 : 0 };
  }
}

/** One contact onto the profile, as seen at `now`: the end of the campaign the row describes. */
export function mapBankRecord(record: CsvRecord, now: number): CustomerRecord {
  const demographics: Record<string, unknown> = {
    birthDate: birthDateForAge(now, integerField(record, 'age')),
  };
  const occupation = OCCUPATION[textField(record, 'job')];
  if (occupation !== undefined) demographics.occupation = occupation;
  const maritalStatus = MARITAL[textField(record, 'marital')];
  if (maritalStatus !== undefined) demographics.maritalStatus = maritalStatus;
  const education = EDUCATION[textField(record, 'education')];
  if (education !== undefined) demographics.education = education;

  const loans: Record<string, unknown>[] = [];
  if (yesNo(record, 'housing')) {
    loans.push({ type: 'mortgage', status: 'active' });
    demographics.homeOwnership = 'mortgaged';
  }
  if (yesNo(record, 'loan')) loans.push({ type: 'consumer', status: 'active' });
  // The balance is the average yearly balance; a negative one is an overdraft, i.e. a used credit line.
  const balance = integerField(record, 'balance');
  const deposits = {
    balance: cny(Math.max(0, balance)),
    avgBalance12m: cny(Math.max(0, balance)),
    aum: cny(Math.max(0, balance)),
  };
  if (balance < 0) loans.push({ type: 'credit_line', status: 'active', outstanding: cny(-balance) });

  // "Has credit in default": an account at least 90 days past due somewhere, the usual default definition.
  const bureau = yesNo(record, 'default') ? { overdueAccounts: 1, maxDpd24m: 90 } : { overdueAccounts: 0 };

  const campaign = integerField(record, 'campaign');
  const pdays = integerField(record, 'pdays');
  const previous = integerField(record, 'previous');
  const outcome = OUTCOME[textField(record, 'poutcome')];
  // pdays -1: never contacted in an earlier campaign.
  const daysSincePrevious = pdays >= 0 ? pdays : undefined;
  const convertedWithin = (days: number) =>
    outcome === 'success' && daysSincePrevious !== undefined && daysSincePrevious <= days;
  const marketing: Record<string, unknown> = {
    contacts30d: campaign,
    contacts12m: campaign + (daysSincePrevious !== undefined && daysSincePrevious <= 365 ? previous : 0),
    lastContactAt: isoDateTime(now),
    responses180d: convertedWithin(180) ? 1 : 0,
    campaignsConverted12m: convertedWithin(365) ? 1 : 0,
    lastContactMonth: monthOf(record),
    lastContactDayOfYear: dayOfYear(record),
    previousCampaignContacts: previous,
  };
  if (convertedWithin(180)) marketing.lastResponseAt = isoDateTime(daysBefore(now, daysSincePrevious ?? 0));
  if (outcome !== undefined) marketing.lastCampaignOutcome = outcome;
  const contact = textField(record, 'contact');
  if (contact === 'cellular' || contact === 'telephone') marketing.preferredChannel = 'phone';
  else if (contact !== 'unknown')
    throw new DatasetRowError(record.line, `unknown contact type ${JSON.stringify(contact)}`);

  const profile: Record<string, unknown> = { demographics, deposits, bureau, marketing };
  if (loans.length > 0) profile.loans = loans;
  return { customerId: `BANK-${record.index}`, profile };
}

function monthOf(record: CsvRecord): number {
  const month = MONTHS.indexOf(textField(record, 'month'));
  if (month < 0)
    throw new DatasetRowError(record.line, `unknown month ${JSON.stringify(textField(record, 'month'))}`);
  return month + 1;
}

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The dataset has no year: day and month place the contact in its campaign wave.
function dayOfYear(record: CsvRecord): number {
  const month = monthOf(record) - 1;
  const day = integerField(record, 'day');
  if (day < 1 || day > DAYS_IN_MONTH[month])
    throw new DatasetRowError(record.line, `day ${day} is not in month ${month + 1}`);
  return DAYS_BEFORE_MONTH[month] + day;
}

function yesNo(record: CsvRecord, name: string): boolean {
  const value = textField(record, name);
  if (value !== 'yes' && value !== 'no') {
    throw new DatasetRowError(record.line, `${name} must be yes or no, got ${JSON.stringify(value)}`);
  }
  return value === 'yes';
}
