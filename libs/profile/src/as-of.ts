// Freshness stamps are compared as instants, exactly: whole seconds since the epoch plus the decimal
// fraction as written, so sub-millisecond stamps (Java Instant, Postgres timestamptz) still order.
export interface Instant {
  epochSeconds: number;
  fraction: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
// RFC 3339 date-time (what JSON Schema's `date-time` format accepts): seconds and an offset required.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

// Strict ISO 8601: `YYYY-MM-DD` (UTC midnight) or `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`;
// null for anything else, including impossible dates such as 2023-02-29 or 24:00:00.
export function parseAsOf(text: string): Instant | null {
  const match = DATE_TIME.exec(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [fraction = '', sign, offsetHours = '0', offsetMinutes = '0'] = match.slice(7);
  if (hour > 23 || minute > 59 || second > 59 || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) {
    return null;
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const midnight = new Date(0);
  midnight.setUTCFullYear(year, month - 1, day);
  if (midnight.getUTCMonth() !== month - 1 || midnight.getUTCDate() !== day) return null;
  const offsetSeconds = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
  return {
    epochSeconds: midnight.getTime() / 1000 + hour * 3600 + minute * 60 + second - offsetSeconds,
    fraction: fraction.replace(/0+$/, ''),
  };
}

export function compareInstants(a: Instant, b: Instant): number {
  if (a.epochSeconds !== b.epochSeconds) return Math.sign(a.epochSeconds - b.epochSeconds);
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fractionA = a.fraction.padEnd(width, '0');
  const fractionB = b.fraction.padEnd(width, '0');
  return fractionA === fractionB ? 0 : fractionA < fractionB ? -1 : 1;
}
