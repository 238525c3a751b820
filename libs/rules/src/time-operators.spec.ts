import { daysSince, monthsSince, parseIsoInstant, parseNow, yearsSince } from './time-operators';

const NOW = Date.UTC(2026, 0, 1);

describe('parseIsoInstant', () => {
  it.each([
    ['2025-12-31', Date.UTC(2025, 11, 31)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2025-12-31T10:00', Date.UTC(2025, 11, 31, 10)],
    ['2025-12-31T10:00:05Z', Date.UTC(2025, 11, 31, 10, 0, 5)],
    ['2025-12-31T10:00:05.5Z', Date.UTC(2025, 11, 31, 10, 0, 5, 500)],
    ['2025-12-31T10:00:05.123999Z', Date.UTC(2025, 11, 31, 10, 0, 5, 123)],
    ['2025-12-31T10:00:00+08:00', Date.UTC(2025, 11, 31, 2)],
    ['2025-12-31T10:00:00-01:30', Date.UTC(2025, 11, 31, 11, 30)],
    ['0001-01-01', Date.UTC(2001, 0, 1) - 2000 * 365.2425 * 86_400_000],
  ])('%s', (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });

  it.each([
    '2025-02-29',
    '2025-13-01',
    '2025-00-10',
    '2025-1-01',
    '2025-12-32',
    '2025/12/31',
    '2025-12-31T24:00',
    '2025-12-31T10',
    '2025-12-31T10:60',
    '2025-12-31 10:00',
    '2025-12-31T10:00:00.Z',
    '2025-12-31T10:00Zjunk',
    '2025-12-31T10:00+8:00',
    '2025-12-31t10:00z',
    'Dec 31 2025',
    '',
    '20251231',
    '2025-12-31T10:00:00.1234567890Z',
    '+2025-12-31',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });

  it('parseNow throws on anything but strict ISO 8601', () => {
    expect(parseNow('2026-01-01T00:00:00Z')).toBe(NOW);
    expect(() => parseNow('yesterday')).toThrow('not a strict ISO 8601');
  });
});

describe('days_since, months_since, years_since', () => {
  it('counts whole days, negative in the future, null when not a date', () => {
    expect(daysSince('2025-12-31', NOW)).toBe(1);
    expect(daysSince('2025-12-31T00:00:01Z', NOW)).toBe(0);
    expect(daysSince('2026-01-02', NOW)).toBe(-1);
    expect(daysSince('2026-01-01T00:00:01Z', NOW)).toBe(-1);
    for (const value of [null, undefined, 20251231, 'soon', [], {}]) expect(daysSince(value, NOW)).toBeNull();
  });

  it('counts calendar months, minus one while the day and time of month is not reached', () => {
    expect(monthsSince('2025-01-01', NOW)).toBe(12);
    expect(monthsSince('2025-01-01T00:00:00.001Z', NOW)).toBe(11);
    expect(monthsSince('2025-01-31', Date.UTC(2025, 1, 28))).toBe(0);
    expect(monthsSince('2025-01-31', Date.UTC(2025, 2, 1))).toBe(1);
    expect(monthsSince('2026-03-15', NOW)).toBe(-3);
    expect(monthsSince('2026-01-01', NOW)).toBe(0);
  });

  it('counts whole years as floor(months / 12)', () => {
    expect(yearsSince('2000-01-01', NOW)).toBe(26);
    expect(yearsSince('2000-01-02', NOW)).toBe(25);
    expect(yearsSince('2004-02-29', Date.UTC(2022, 1, 28))).toBe(17);
    expect(yearsSince('2004-02-29', Date.UTC(2022, 2, 1))).toBe(18);
    expect(yearsSince('2027-06-01', NOW)).toBe(-2);
    expect(yearsSince(null, NOW)).toBeNull();
  });

  it('agrees with Date arithmetic over many random dates', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i += 1) {
      const instant = Math.floor(-2e12 + next() * 6e12);
      const now = Math.floor(-2e12 + next() * 6e12);
      const text = new Date(instant).toISOString();
      expect(parseIsoInstant(text)).toBe(instant);
      const a = new Date(instant);
      const b = new Date(now);
      let months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
      const into = (d: Date): number => d.getTime() - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      if (into(b) < into(a)) months -= 1;
      expect(monthsSince(text, now)).toBe(months);
      expect(daysSince(text, now)).toBe(Math.floor((now - instant) / 86_400_000));
    }
  });

  it('never answers from a stale memo when the date or now changes', () => {
    const dates = ['1990-01-31', '1990-01-31T12:00:00Z', '2000-02-29', 'bad', '2026-01-01'];
    const nows = [NOW, Date.UTC(2026, 1, 28), Date.UTC(2030, 5, 1, 12)];
    const months = (text: string, now: number): number | null => {
      const instant = parseIsoInstant(text);
      if (instant === undefined) return null;
      const a = new Date(instant);
      const b = new Date(now);
      const into = (d: Date): number => d.getTime() - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      const whole = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
      return into(b) < into(a) ? whole - 1 : whole;
    };
    for (let i = 0; i < 300; i += 1) {
      const text = dates[(i * 7) % dates.length];
      const now = nows[(i * 5) % nows.length];
      const instant = parseIsoInstant(text);
      expect(daysSince(text, now)).toBe(
        instant === undefined ? null : Math.floor((now - instant) / 86_400_000),
      );
      expect(monthsSince(text, now)).toBe(months(text, now));
      // A non-string after a string must not hit the memo either.
      expect(daysSince(null, now)).toBeNull();
    }
  });
});
