import {
  CatalogEvaluator,
  digestAfter,
  evaluateAgainst,
  evaluateAndDiff,
  tagDigest,
} from '@tagforge/evaluation';
import type { EvaluableDefinition, TagState } from '@tagforge/evaluation';
import { parseNow } from '@tagforge/rules';

const NOW = parseNow('2026-01-01T00:00:00Z');

const catalog: EvaluableDefinition[] = [
  { id: 'rich', kind: 'boolean', rule: { '>=': [{ var: 'deposits.balance' }, 1000] } },
  { id: 'band', kind: 'category', rule: { if: [{ var: 'tags.rich' }, 'gold', 'plain'] } },
  // Throws for a profile whose `o` is an object with a non-function indexOf.
  { id: 'carded', kind: 'boolean', rule: { in: ['a', { var: 'o' }] } },
];
const versions = new Map([
  ['rich', 1],
  ['band', 3],
  ['carded', 2],
]);
const evaluator = new CatalogEvaluator(catalog);
const state = (entries: [string, unknown][]): Map<string, TagState> =>
  new Map(entries.map(([tagId, value]) => [tagId, { value, tagVersion: 1 }]));

describe('evaluateAndDiff', () => {
  it('on a first evaluation every set tag is a change from nothing, with the version that wrote it', () => {
    const diff = evaluateAndDiff(evaluator, { deposits: { balance: 5000 } }, NOW, new Map(), { versions });
    expect(diff.errors).toEqual([]);
    expect(diff.changes).toEqual([
      { tagId: 'rich', oldValue: null, newValue: true, tagVersion: 1 },
      { tagId: 'band', oldValue: null, newValue: 'gold', tagVersion: 3 },
    ]);
  });

  it('writes only what differs: an unset is a change to null, an unchanged tag is no change', () => {
    const current = state([
      ['rich', true],
      ['band', 'gold'],
    ]);
    const diff = evaluateAndDiff(evaluator, { deposits: { balance: 10 } }, NOW, current, { versions });
    expect(diff.changes).toEqual([
      { tagId: 'rich', oldValue: true, newValue: null, tagVersion: 1 },
      { tagId: 'band', oldValue: 'gold', newValue: 'plain', tagVersion: 3 },
    ]);
    const same = evaluateAndDiff(evaluator, { deposits: { balance: 5000 } }, NOW, current, { versions });
    expect(same.changes).toEqual([]);
  });

  it('a tag whose rule threw keeps its value and is not written', () => {
    const current = state([['carded', true]]);
    const diff = evaluateAndDiff(evaluator, { o: { indexOf: 1 } }, NOW, current, { versions });
    expect([...diff.failed]).toEqual(['carded']);
    expect(diff.errors.map((error) => error.tagId)).toEqual(['carded']);
    expect(diff.values.carded).toBe(true);
    expect(diff.changes.find((change) => change.tagId === 'carded')).toBeUndefined();
  });

  it('over part of the catalog only the tags in scope change; the others keep their current values', () => {
    const current = state([
      ['rich', true],
      ['band', 'gold'],
    ]);
    const only = evaluator.withDependents(['rich']);
    const diff = evaluateAndDiff(evaluator, { deposits: { balance: 1 } }, NOW, current, {
      versions: new Map([['rich', 1]]),
      only,
    });
    // band is evaluated (a dependent) but not in `versions`: not this run's to write.
    expect(diff.changes).toEqual([{ tagId: 'rich', oldValue: true, newValue: null, tagVersion: 1 }]);
    expect(diff.values.band).toBe('plain');
  });

  it('evaluateAgainst gives the same values as the evaluator with the current tags as previous', () => {
    const current = state([['carded', true]]);
    const profile = { deposits: { balance: 2000 }, o: { indexOf: 1 } };
    const against = evaluateAgainst(evaluator, profile, NOW, current);
    expect(against.values).toEqual(
      evaluator.evaluateCustomer(profile, NOW, { current: { carded: true } }).values,
    );
  });

  it('digestAfter is the digest of the tags held once the changes are written', () => {
    const current = state([
      ['rich', true],
      ['band', 'gold'],
    ]);
    const diff = evaluateAndDiff(evaluator, { deposits: { balance: 10 } }, NOW, current, { versions });
    expect(digestAfter(current, diff.changes)).toBe(tagDigest({ band: 'plain' }));
    expect(digestAfter(current, [])).toBe(tagDigest({ rich: true, band: 'gold' }));
  });
});
