// Rates, differences and lifts as a campaign report reads: one decimal, a sign on differences.
export function formatRate(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value);
}

export function formatLift(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(value);
}

// A difference of two rates in percentage points.
export function formatPoints(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${new Intl.NumberFormat(locale, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(value * 100)} pp`;
}

export function formatInterval(
  interval: { low: number; high: number } | null | undefined,
  format: (value: number, locale: string) => string,
  locale: string,
): string {
  return interval ? `${format(interval.low, locale)} … ${format(interval.high, locale)}` : '—';
}

export function formatPValue(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value < 0.0001) return '< 0.0001';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 4 }).format(value);
}
