import { compareInstants, parseAsOf } from './as-of';

describe('parseAsOf', () => {
  it.each([
    '2024-05-01',
    '2024-05-01T10:00:00Z',
    '2024-05-01T10:00:00.123456789Z',
    '2024-05-01T18:00:00+08:00',
    '2024-05-01T05:30:00-04:30',
    '2024-02-29T23:59:59Z',
    '0099-01-01T00:00:00Z',
  ])('accepts %s', (text) => {
    expect(parseAsOf(text)).not.toBeNull();
  });

  it.each([
    '',
    '2024-5-1',
    '2024-05-01T10:00Z',
    '2024-05-01T10:00:00',
    '2024-05-01 10:00:00Z',
    '2024-05-01t10:00:00z',
    '2024-05-01T10:00:00+0800',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T10:60:00Z',
    '2024-05-01T10:00:60Z',
    '2024-05-01T10:00:00+24:00',
    'May 1, 2024',
    '1714557600000',
  ])('refuses %j', (text) => {
    expect(parseAsOf(text)).toBeNull();
  });
});

describe('compareInstants', () => {
  const compare = (a: string, b: string) => compareInstants(parseAsOf(a)!, parseAsOf(b)!);

  it('compares instants, not text', () => {
    expect(compare('2024-05-01T18:00:00+08:00', '2024-05-01T10:00:00Z')).toBe(0);
    expect(compare('2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z')).toBe(0);
    expect(compare('2024-05-01', '2024-05-01T00:00:00Z')).toBe(0);
    expect(compare('2024-05-01T07:59:59+08:00', '2024-05-01')).toBe(-1);
    expect(compare('2024-05-02', '2024-05-01T22:59:59-01:00')).toBe(1);
    expect(compare('2024-05-02', '2024-05-01T23:00:01-01:00')).toBe(-1);
  });

  it('orders fractions below a millisecond', () => {
    expect(compare('2024-05-01T10:00:00.0001Z', '2024-05-01T10:00:00.00011Z')).toBe(-1);
    expect(compare('2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.49999Z')).toBe(1);
  });

  it('does not map two-digit years to the 1900s', () => {
    expect(compare('0099-12-31', '1999-12-31')).toBe(-1);
  });
});
