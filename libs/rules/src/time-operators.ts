const MS_PER_DAY = 86_400_000;

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i += 1) {
    const code = text.charCodeAt(i) - 48;
    if (!(code >= 0 && code <= 9)) return -1;
    value = value * 10 + code;
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Howard Hinnant's days_from_civil: avoids Date.UTC, which maps years 0-99 to 1900-1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Strict ISO 8601: `YYYY-MM-DD` (UTC midnight) or `YYYY-MM-DDTHH:MM[:SS[.fff…]]` followed by `Z`,
 * `±HH:MM` or nothing (then UTC, so results never depend on the machine's time zone).
 * Returns epoch milliseconds, or undefined for anything else.
 */
export function parseIsoInstant(text: string): number | undefined {
  const length = text.length;
  if (length < 10 || length > 40 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  const days = daysFromCivil(year, month, day);
  if (length === 10) return days * MS_PER_DAY;
  if (text.charCodeAt(10) !== 84 || length < 16 || text.charCodeAt(13) !== 58) return undefined;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  let index = 16;
  let second = 0;
  let millisecond = 0;
  if (index < length && text.charCodeAt(index) === 58) {
    second = digits(text, index + 1, 2);
    if (index + 3 > length || second < 0 || second > 59) return undefined;
    index += 3;
    if (index < length && text.charCodeAt(index) === 46) {
      index += 1;
      const fractionStart = index;
      let scale = 100;
      while (index < length) {
        const code = text.charCodeAt(index) - 48;
        if (code < 0 || code > 9) break;
        millisecond += code * scale;
        scale /= 10;
        index += 1;
      }
      if (index === fractionStart || index - fractionStart > 9) return undefined;
      // Digits past the millisecond are truncated, never rounded up into the next millisecond.
      millisecond = Math.floor(millisecond);
    }
  }
  let offsetMinutes = 0;
  if (index < length) {
    const sign = text.charCodeAt(index);
    if (sign === 90 && index + 1 === length) {
      index += 1;
    } else if ((sign === 43 || sign === 45) && index + 6 === length && text.charCodeAt(index + 3) === 58) {
      const offsetHour = digits(text, index + 1, 2);
      const offsetMinute = digits(text, index + 4, 2);
      if (offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return undefined;
      offsetMinutes = (sign === 45 ? -1 : 1) * (offsetHour * 60 + offsetMinute);
      index += 6;
    } else {
      return undefined;
    }
  }
  if (index !== length) return undefined;
  return days * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millisecond;
}

/** Strict ISO 8601 instant -> epoch ms; throws on anything else. */
export function parseNow(iso: string): number {
  const instant = typeof iso === 'string' ? parseIsoInstant(iso) : undefined;
  if (instant === undefined)
    throw new Error(`not a strict ISO 8601 date or date-time: ${JSON.stringify(iso)}`);
  return instant;
}

interface MonthPosition {
  // Months since year 0, and milliseconds since the start of that month (day and time of month).
  months: number;
  intoMonth: number;
}

function monthPosition(instant: number, into: MonthPosition): MonthPosition {
  const days = Math.floor(instant / MS_PER_DAY);
  // civil_from_days, the inverse of daysFromCivil.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  into.months = year * 12 + (month - 1);
  into.intoMonth = (day - 1) * MS_PER_DAY + (instant - days * MS_PER_DAY);
  return into;
}

const nowPosition: MonthPosition = { months: 0, intoMonth: 0 };
const valuePosition: MonthPosition = { months: 0, intoMonth: 0 };
let nowPositionOf = Number.NaN;

// One customer's rules read the same dates many times (age bands, tenure...): remember the last
// answer of each operator. The functions stay pure; the memo only skips repeated parsing.
let daysText: unknown;
let daysNow = Number.NaN;
let daysResult: number | null = null;
let monthsText: unknown;
let monthsNow = Number.NaN;
let monthsResult: number | null = null;

export function daysSince(value: unknown, now: number): number | null {
  if (typeof value !== 'string') return null;
  if (value === daysText && now === daysNow) return daysResult;
  const instant = parseIsoInstant(value);
  daysResult = instant === undefined ? null : Math.floor((now - instant) / MS_PER_DAY);
  daysText = value;
  daysNow = now;
  return daysResult;
}

function computeMonthsSince(value: string, now: number): number | null {
  const instant = parseIsoInstant(value);
  if (instant === undefined) return null;
  if (nowPositionOf !== now) {
    monthPosition(now, nowPosition);
    nowPositionOf = now;
  }
  monthPosition(instant, valuePosition);
  const months = nowPosition.months - valuePosition.months;
  return nowPosition.intoMonth < valuePosition.intoMonth ? months - 1 : months;
}

export function monthsSince(value: unknown, now: number): number | null {
  if (typeof value !== 'string') return null;
  if (value !== monthsText || now !== monthsNow) {
    monthsResult = computeMonthsSince(value, now);
    monthsText = value;
    monthsNow = now;
  }
  return monthsResult;
}

export function yearsSince(value: unknown, now: number): number | null {
  const months = monthsSince(value, now);
  return months === null ? null : Math.floor(months / 12);
}
