import { tagDigest, tagsAfter } from './tag-digest';

describe('tagDigest', () => {
  it('does not depend on the order of the tags', () => {
    expect(
      tagDigest([
        ['b', 2],
        ['a', true],
      ]),
    ).toBe(
      tagDigest(
        new Map<string, unknown>([
          ['a', true],
          ['b', 2],
        ]),
      ),
    );
  });

  it('changes with any id or value, and leaves unset tags out', () => {
    const base = tagDigest([
      ['a', true],
      ['score', 700],
    ]);
    expect(
      tagDigest([
        ['a', true],
        ['score', 701],
      ]),
    ).not.toBe(base);
    expect(
      tagDigest([
        ['a', true],
        ['score', '700'],
      ]),
    ).not.toBe(base);
    expect(
      tagDigest([
        ['b', true],
        ['score', 700],
      ]),
    ).not.toBe(base);
    expect(tagDigest([['a', true]])).not.toBe(base);
    expect(
      tagDigest([
        ['a', true],
        ['score', 700],
        ['gone', null],
      ]),
    ).toBe(base);
    expect(tagDigest([])).toBe(tagDigest([['gone', undefined]]));
  });

  it('cannot be fooled by ids that run into values', () => {
    expect(tagDigest([['a:"x"', 'y']])).not.toBe(tagDigest([['a', 'x"":"y']]));
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
