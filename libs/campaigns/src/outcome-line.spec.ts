import { parseOutcomeLine } from './outcome-line';

const now = new Date('2026-12-01T00:00:00Z');
const parse = (value: unknown) => parseOutcomeLine(JSON.stringify(value), 3, now);

describe('parseOutcomeLine', () => {
  it('reads a line with and without an amount', () => {
    expect(
      parse({ customerId: 'C1', outcome: 'converted', at: '2026-11-02T08:00:00Z', amount: 50000.5 }),
    ).toEqual({
      customerId: 'C1',
      outcome: 'converted',
      at: new Date('2026-11-02T08:00:00Z'),
      amount: 50000.5,
    });
    expect(parse({ customerId: 'C1', outcome: 'contacted', at: '2026-11-02T08:00:00+08:00' })).toEqual({
      customerId: 'C1',
      outcome: 'contacted',
      at: new Date('2026-11-02T00:00:00Z'),
      amount: null,
    });
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[1]', /not a JSON object/],
    ['{"outcome":"converted","at":"2026-11-02T08:00:00Z"}', /has no customerId/],
    ['{"customerId":"a b","outcome":"converted","at":"2026-11-02T08:00:00Z"}', /customerId must be/],
    ['{"customerId":"C1","outcome":"bought","at":"2026-11-02T08:00:00Z"}', /outcome must be one of/],
    ['{"customerId":"C1","outcome":"converted","at":"2026-11-02"}', /at must be/],
    ['{"customerId":"C1","outcome":"converted","at":"2026-13-02T08:00:00Z"}', /at must be/],
    ['{"customerId":"C1","outcome":"converted","at":"2027-01-01T00:00:00Z"}', /in the future/],
    ['{"customerId":"C1","outcome":"converted","at":"2026-11-02T08:00:00Z","amount":-1}', /amount must be/],
    [
      '{"customerId":"C1","outcome":"converted","at":"2026-11-02T08:00:00Z","amount":1.005}',
      /amount must be/,
    ],
    ['{"customerId":"C1","outcome":"converted","at":"2026-11-02T08:00:00Z","amount":"5"}', /amount must be/],
    ['{"customerId":"C1","outcome":"converted","at":"2026-11-02T08:00:00Z","y":1}', /unknown field "y"/],
    ['{"customerId":"C1","outcome":"converted","at":"2026-11-02T08:00:00Z","__proto__":{}}', /unknown field/],
    ['{"customerId":"C1\\u0000","outcome":"converted","at":"2026-11-02T08:00:00Z"}', /not valid JSON/],
  ])('refuses %s with the line number', (text, message) => {
    const result = parseOutcomeLine(text, 3, now);
    expect(result).toMatchObject({ line: 3, status: 'error', error: { code: 'BAD_REQUEST' } });
    expect('error' in result && result.error.message).toMatch(message);
    expect('error' in result && result.error.message).toMatch(/^line 3/);
  });
});
