import { readFileSync } from 'node:fs';
import { parseNow, runConformance } from '@tagforge/rules';

const NOW = parseNow('2026-01-01T00:00:00Z');
const load = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8')) as unknown;

describe('runConformance (tagctl conformance)', () => {
  it('passes the official suite: 277 passed, 0 failed', () => {
    expect(runConformance(load('test/fixtures/jsonlogic-tests.json'), NOW)).toEqual({
      passed: 277,
      failed: 0,
      failures: [],
    });
  });

  it('passes our extended edge cases', () => {
    const result = runConformance(load('test/fixtures/rules-extended-conformance.json'), NOW);
    expect(result.failures).toEqual([]);
    expect(result.passed).toBeGreaterThanOrEqual(60);
  });

  it('understands $throws and $js, and reports each mismatch on one line', () => {
    const result = runConformance(
      [
        '# a comment',
        [{ '/': [1, 0] }, {}, { $js: 'Infinity' }],
        [{ var: '' }, { $js: 'undefined' }, { $js: 'undefined' }],
        [{ '*': [] }, {}, { $throws: true }],
        [{ '+': [1, 1] }, {}, 3],
        [{ '+': [1, 1] }, {}, { $throws: true }],
        [{ '-': [0] }, {}, 0],
        ['not a case'],
      ],
      NOW,
    );
    expect(result.passed).toBe(3);
    expect(result.failed).toBe(4);
    expect(result.failures).toEqual([
      'FAIL #4 {"+":[1,1]} data={}: expected 3, got 2',
      'FAIL #5 {"+":[1,1]} data={}: expected a throw, got 2',
      'FAIL #6 {"-":[0]} data={}: expected 0, got -0',
      'FAIL #7 malformed case ["not a case"]',
    ]);
  });

  it('uses the given now for the added operators', () => {
    const cases = [[{ days_since: '2026-01-01' }, {}, 10]];
    expect(runConformance(cases, parseNow('2026-01-11')).passed).toBe(1);
    expect(runConformance(cases, NOW).failed).toBe(1);
  });
});
