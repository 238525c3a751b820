import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DEMO_DATASETS } from './demo-datasets';

const ROOT = join(__dirname, '..', '..', '..');
const NOW = Date.parse('2026-01-01T00:00:00Z');
const ROWS = 3000;

// The outcome a campaign report judges a segment on must never reach a profile, or a rule could read
// it: a profile is the same whichever outcome the row had, and no profile names the outcome.
describe.each([
  ['bank-marketing', ';', 'y', ['no', 'yes']],
  ['uci-credit-card', ',', 'default.payment.next.month', ['0', '1']],
] as const)('the %s demo dataset', (name, delimiter, column, values) => {
  const dataset = DEMO_DATASETS[name];
  const lines = readFileSync(join(ROOT, dataset.file), 'utf8').split(/\r?\n/);
  const header = lines[0].split(delimiter).map((field) => field.replace(/^"|"$/g, ''));
  const at = header.indexOf(column);
  const sample = lines.slice(1, ROWS + 1);
  const withLabel = (value: string) =>
    [
      lines[0],
      ...sample.map((line) =>
        line
          .split(delimiter)
          .map((field, i) => (i === at ? value : field))
          .join(delimiter),
      ),
    ].join('\n');
  const profiles = async (text: string) => {
    const out: unknown[] = [];
    for await (const record of dataset.profiles(Readable.from([text]), NOW)) out.push(record);
    return out;
  };

  it('maps each row to the same profile whatever its outcome', async () => {
    expect(at).toBeGreaterThan(0);
    const [negative, positive] = await Promise.all(values.map((value) => profiles(withLabel(value))));
    expect(negative).toHaveLength(sample.length);
    expect(positive).toEqual(negative);
  });

  it('names the outcome nowhere in any loaded profile, and gives it as a label', async () => {
    let count = 0;
    let positives = 0;
    const naming: string[] = [];
    for await (const record of dataset.profiles(createReadStream(join(ROOT, dataset.file)), NOW)) {
      if (JSON.stringify(record.profile).includes(`"${column}"`) || 'outcome' in record.profile) {
        naming.push(record.customerId);
      }
      count += 1;
    }
    expect(naming).toEqual([]);
    for await (const label of dataset.labels(createReadStream(join(ROOT, dataset.file))))
      positives += label.label;
    expect(count).toBe(dataset.customers);
    expect(positives).toBeGreaterThan(0);
    expect(positives).toBeLessThan(count);
  }, 60_000);
});
