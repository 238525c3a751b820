import fc from 'fast-check';
import { jsonEqual } from './json-value';
import { canonicalJson, smallJson } from './testing/json-arbitrary';

describe('jsonEqual', () => {
  it('ignores key order but not extra or missing keys', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: undefined } as never, { b: undefined } as never)).toBe(false);
  });

  it('tells arrays, objects, null and absence apart', () => {
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual(null, undefined)).toBe(false);
    expect(jsonEqual([1, 2], [1, 2, 3])).toBe(false);
  });

  it('property: agrees with comparing canonical JSON text', () => {
    fc.assert(
      fc.property(smallJson, smallJson, (a, b) => {
        expect(jsonEqual(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
    );
  });
});
