import { tagDigest, tagsAfter } from './tag-digest';

describe('tagDigest', () => {
  it('does not depend on the order of the tags, or on how they are held', () => {
    const base = tagDigest({ b: 2, a: true });
    expect(tagDigest({ a: true, b: 2 })).toBe(base);
    expect(
      tagDigest(
        new Map<string, unknown>([
          ['b', 2],
          ['a', true],
        ]),
      ),
    ).toBe(base);
    // With the ids given in ascending order (a catalog's), including ids the customer does not hold.
    expect(tagDigest({ b: 2, a: true }, ['a', 'b', 'c'])).toBe(base);
  });

  it('changes with any id or value, and leaves unset tags out', () => {
    const base = tagDigest({ a: true, score: 700 });
    expect(tagDigest({ a: true, score: 701 })).not.toBe(base);
    expect(tagDigest({ a: true, score: '700' })).not.toBe(base);
    expect(tagDigest({ a: 'true', score: 700 })).not.toBe(base);
    expect(tagDigest({ b: true, score: 700 })).not.toBe(base);
    expect(tagDigest({ a: true })).not.toBe(base);
    expect(tagDigest({ a: true, score: 700, gone: null })).toBe(base);
    expect(
      tagDigest(
        new Map<string, unknown>([
          ['a', true],
          ['score', 700],
          ['gone', undefined],
        ]),
      ),
    ).toBe(base);
    expect(tagDigest({})).toBe(tagDigest({ gone: undefined }));
  });

  it('cannot be fooled by values that contain its separators', () => {
    expect(tagDigest({ a: 'x\nb:1' })).not.toBe(tagDigest({ a: 'x', b: 1 }));
    expect(tagDigest({ a: 'x:1' })).not.toBe(tagDigest({ a: 'x', x: 1 }));
  });
});

describe('tagsAfter', () => {
  it('applies sets and unsets over the current tags', () => {
    const current = new Map([
      ['keep', { value: true }],
      ['drop', { value: 'x' }],
      ['bump', { value: 1 }],
    ]);
    const after = tagsAfter(current, [
      { tagId: 'drop', newValue: null },
      { tagId: 'bump', newValue: 2 },
      { tagId: 'new', newValue: true },
    ]);
    expect([...after].sort()).toEqual([
      ['bump', 2],
      ['keep', true],
      ['new', true],
    ]);
  });
});
