const MS_PER_DAY = 86_400_000;

/** `YYYY-MM-DD` of an instant (UTC). */
export function isoDate(instant: number): string {
  return new Date(instant).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:MM:SSZ` of an instant, without milliseconds. */
export function isoDateTime(instant: number): string {
  return `${new Date(instant).toISOString().slice(0, 19)}Z`;
}

export function daysBefore(now: number, days: number): number {
  return now - days * MS_PER_DAY;
}

/** The same calendar day `months` months earlier (clamped to the month's last day). */
export function monthsBefore(now: number, months: number): number {
  const date = new Date(now);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime() + (now % MS_PER_DAY);
}

/**
 * A birth date that makes someone exactly `age` (whole years) at `now`: half a year past the birthday,
 * so the age does not flip within a few months of `now`.
 */
export function birthDateForAge(now: number, age: number): string {
  return isoDate(monthsBefore(now, age * 12 + 6));
}
