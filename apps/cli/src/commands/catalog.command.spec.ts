import { Writable } from 'node:stream';
import { catalogCommand } from './catalog.command';

function collect(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('tagctl catalog', () => {
  it('prints a Markdown table with one row per definition', () => {
    const out = collect();
    const err = collect();
    expect(catalogCommand('test/fixtures/catalog/valid', out.stream, err.stream)).toBe(0);
    const lines = out.text().trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      '| id | kind | purpose | category | name | description |',
      '|---|---|---|---|---|---|',
    ]);
    expect(lines.slice(2).map((line) => line.split(' | ')[0])).toEqual([
      '| `senior`',
      '| `card_limit`',
      '| `risky`',
      '| `score_band`',
      '| `senior_offer`',
    ]);
    expect(err.text()).toBe('');
  });

  it('lists all 8 headline segments of the shipped catalog', () => {
    const out = collect();
    catalogCommand('tag-definitions', out.stream, collect().stream);
    const segments = out
      .text()
      .split('\n')
      .filter((line) => line.includes('| segment | '))
      .map((line) => line.split('`')[1]);
    expect(segments.sort()).toEqual([
      'credit_line_increase',
      'do_not_market',
      'dormant_win_back',
      'early_warning_watchlist',
      'high_intent_loan_demand',
      'instant_approval_offer',
      'low_risk_customers',
      'repeat_borrowers',
    ]);
  });

  it('refuses a folder with broken files', () => {
    const err = collect();
    expect(catalogCommand('test/fixtures/catalog/bad-file', collect().stream, err.stream)).toBe(1);
    expect(err.text()).toContain('invalid_json');
  });
});
