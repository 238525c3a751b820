import { readsOnlyBureau } from './bureau-derived';

const definitions = new Map([
  ['score_band', { dependsOnPaths: ['bureau.score'], dependsOnTags: [] }],
  ['listed', { dependsOnPaths: ['bureau'], dependsOnTags: [] }],
  ['risky', { dependsOnPaths: [], dependsOnTags: ['score_band', 'listed'] }],
  ['mixed', { dependsOnPaths: ['cards'], dependsOnTags: ['score_band'] }],
  ['over_mixed', { dependsOnPaths: [], dependsOnTags: ['mixed'] }],
  ['constant', { dependsOnPaths: [], dependsOnTags: [] }],
  ['loop_a', { dependsOnPaths: ['bureau.x'], dependsOnTags: ['loop_b'] }],
  ['loop_b', { dependsOnPaths: [], dependsOnTags: ['loop_a'] }],
]);

describe('readsOnlyBureau', () => {
  it('holds for tags computed from bureau paths alone, directly or through other tags', () => {
    expect(readsOnlyBureau(definitions, 'score_band')).toBe(true);
    expect(readsOnlyBureau(definitions, 'listed')).toBe(true);
    expect(readsOnlyBureau(definitions, 'risky')).toBe(true);
  });

  it('does not hold once any other data enters, for constants, unknown tags and cycles', () => {
    expect(readsOnlyBureau(definitions, 'mixed')).toBe(false);
    expect(readsOnlyBureau(definitions, 'over_mixed')).toBe(false);
    expect(readsOnlyBureau(definitions, 'constant')).toBe(false);
    expect(readsOnlyBureau(definitions, 'nope')).toBe(false);
    expect(readsOnlyBureau(definitions, 'loop_a')).toBe(false);
  });
});
