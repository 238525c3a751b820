import { readsOnlyBureau } from './bureau-derived';

const dependencies = new Map([
  ['score_band', { paths: ['bureau.score'], tags: [] }],
  ['listed', { paths: ['bureau'], tags: [] }],
  ['risky', { paths: [], tags: ['score_band', 'listed'] }],
  ['mixed', { paths: ['cards'], tags: ['score_band'] }],
  ['over_mixed', { paths: [], tags: ['mixed'] }],
  ['constant', { paths: [], tags: [] }],
  ['loop_a', { paths: ['bureau.x'], tags: ['loop_b'] }],
  ['loop_b', { paths: [], tags: ['loop_a'] }],
]);

describe('readsOnlyBureau', () => {
  it('holds for tags computed from bureau paths alone, directly or through other tags', () => {
    expect(readsOnlyBureau('score_band', (id) => dependencies.get(id))).toBe(true);
    expect(readsOnlyBureau('listed', (id) => dependencies.get(id))).toBe(true);
    expect(readsOnlyBureau('risky', (id) => dependencies.get(id))).toBe(true);
  });

  it('does not hold once any other data enters, for constants, unknown tags and cycles', () => {
    expect(readsOnlyBureau('mixed', (id) => dependencies.get(id))).toBe(false);
    expect(readsOnlyBureau('over_mixed', (id) => dependencies.get(id))).toBe(false);
    expect(readsOnlyBureau('constant', (id) => dependencies.get(id))).toBe(false);
    expect(readsOnlyBureau('nope', (id) => dependencies.get(id))).toBe(false);
    expect(readsOnlyBureau('loop_a', (id) => dependencies.get(id))).toBe(false);
  });
});
