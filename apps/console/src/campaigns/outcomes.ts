// Outcomes reach POST /v1/campaigns/{id}/outcomes as NDJSON, one {"customerId", "outcome", "at",
// "amount"?} per line. People usually have a spreadsheet: a CSV with a header row
// (customer_id, outcome, at, amount) is turned into those lines here; NDJSON is sent as it is. The
// API judges every line itself (member, outcome, instant) and answers per line.
export interface OutcomeLines {
  ndjson: string;
  lines: number;
  // Problems the conversion itself finds (a missing column, a row of the wrong width), by CSV line.
  problems: { line: number; message: string }[];
}

const COLUMN_NAMES: Record<string, 'customerId' | 'outcome' | 'at' | 'amount'> = {
  customer_id: 'customerId',
  customerid: 'customerId',
  customer: 'customerId',
  outcome: 'outcome',
  at: 'at',
  amount: 'amount',
};

// One CSV record: commas, double-quoted fields with "" for a quote.
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields.map((value) => value.trim());
}

export function looksLikeNdjson(text: string): boolean {
  return text.trimStart().startsWith('{');
}

export function outcomeLines(text: string): OutcomeLines {
  if (looksLikeNdjson(text)) {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    return { ndjson: lines.join('\n') + '\n', lines: lines.length, problems: [] };
  }
  const rows = text.split(/\r?\n/).map((line, index) => ({ line: index + 1, text: line }));
  const nonBlank = rows.filter((row) => row.text.trim() !== '');
  if (nonBlank.length === 0) return { ndjson: '', lines: 0, problems: [] };
  const [header, ...records] = nonBlank;
  const names = csvFields(header.text).map((name) => COLUMN_NAMES[name.toLowerCase().replace(/[\s-]/g, '_')]);
  const problems: OutcomeLines['problems'] = [];
  for (const required of ['customerId', 'outcome', 'at'] as const) {
    if (!names.includes(required)) {
      problems.push({
        line: header.line,
        message: `the header has no ${required === 'customerId' ? 'customer_id' : required} column (customer_id, outcome, at, amount)`,
      });
    }
  }
  if (problems.length > 0) return { ndjson: '', lines: 0, problems };
  const out: string[] = [];
  for (const record of records) {
    const fields = csvFields(record.text);
    if (fields.length !== names.length) {
      problems.push({
        line: record.line,
        message: `${fields.length} fields where the header has ${names.length}`,
      });
      continue;
    }
    const line: Record<string, string | number> = {};
    names.forEach((name, index) => {
      const value = fields[index];
      if (!name || value === '') return;
      // An amount that is not a number goes as written: the API refuses it on its line.
      line[name] = name === 'amount' && Number.isFinite(Number(value)) ? Number(value) : value;
    });
    out.push(JSON.stringify(line));
  }
  return { ndjson: out.length > 0 ? out.join('\n') + '\n' : '', lines: out.length, problems };
}
