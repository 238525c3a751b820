import { type Readable } from 'node:stream';
import { parse } from 'csv-parse';

export interface CsvRecord {
  // 1-based line of the record in the file (the header is line 1).
  line: number;
  // 1-based position among the data records.
  index: number;
  fields: Record<string, string>;
}

/** Streams the records of a CSV with a header line, one at a time (backpressure from the consumer). */
export async function* csvRecords(input: Readable, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = parse({
    columns: true,
    delimiter,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
  });
  // pipe() does not forward a read error (a missing file): end the iteration with it instead.
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number; records: number };
  }>) {
    yield { line: info.lines, index: info.records, fields: record };
  }
}

export class DatasetRowError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'DatasetRowError';
  }
}

/**
 * A whole number from a CSV field. Exports of these datasets write round numbers as "5e+05", so
 * exponent notation is accepted; anything that is not a whole number is a loud error.
 */
export function integerField(record: CsvRecord, name: string): number {
  const text = record.fields[name];
  const value = text !== undefined && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new DatasetRowError(record.line, `${name} must be a whole number, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function textField(record: CsvRecord, name: string): string {
  const text = record.fields[name];
  if (text === undefined) throw new DatasetRowError(record.line, `missing column ${name}`);
  return text;
}
