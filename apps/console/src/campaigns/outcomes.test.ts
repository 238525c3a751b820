import { describe, expect, it } from 'vitest';
import { csvFields, outcomeLines } from './outcomes';

describe('outcomes from a spreadsheet', () => {
  it('turns a CSV with a header into NDJSON lines, amounts as numbers', () => {
    const csv =
      'customer_id,outcome,at,amount\r\nC1,converted,2026-12-02T10:00:00Z,50000\n\nC2,contacted,2026-12-01T09:00:00Z,\n';
    const converted = outcomeLines(csv);
    expect(converted.problems).toEqual([]);
    expect(converted.lines).toBe(2);
    expect(
      converted.ndjson
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { customerId: 'C1', outcome: 'converted', at: '2026-12-02T10:00:00Z', amount: 50000 },
      { customerId: 'C2', outcome: 'contacted', at: '2026-12-01T09:00:00Z' },
    ]);
  });

  it('reads columns in any order and quoted fields', () => {
    expect(csvFields('"a, b","say ""hi""", c')).toEqual(['a, b', 'say "hi"', 'c']);
    const converted = outcomeLines('At,Outcome,Customer ID\n2026-12-01T00:00:00Z,responded,"C,9"\n');
    expect(JSON.parse(converted.ndjson) as unknown).toEqual({
      at: '2026-12-01T00:00:00Z',
      outcome: 'responded',
      customerId: 'C,9',
    });
  });

  it('names a missing column and a row of the wrong width by line, sending nothing for a bad header', () => {
    expect(outcomeLines('customer_id,at\nC1,2026-12-01T00:00:00Z').problems).toEqual([
      { line: 1, message: 'the header has no outcome column (customer_id, outcome, at, amount)' },
    ]);
    const ragged = outcomeLines('customer_id,outcome,at\nC1,converted\nC2,converted,2026-12-01T00:00:00Z');
    expect(ragged.problems).toEqual([{ line: 2, message: '2 fields where the header has 3' }]);
    expect(ragged.lines).toBe(1);
  });

  it('passes NDJSON through, without blank lines, and leaves judging the lines to the API', () => {
    const ndjson =
      '{"customerId":"C1","outcome":"converted","at":"2026-12-02T10:00:00Z"}\n\n{"customerId":"C9"}\n';
    expect(outcomeLines(ndjson)).toEqual({
      ndjson: '{"customerId":"C1","outcome":"converted","at":"2026-12-02T10:00:00Z"}\n{"customerId":"C9"}\n',
      lines: 2,
      problems: [],
    });
    expect(outcomeLines('  \n')).toEqual({ ndjson: '', lines: 0, problems: [] });
  });
});
