import fc from 'fast-check';
import { MAX_DOCUMENT_DEPTH } from './document-depth';
import type { JsonObject, JsonValue } from './json-value';
import { applyMergePatch } from './merge-patch';
import { ProfileWriteError } from './profile-write-error';
import { canonicalJson, deepFreeze, smallJson, smallJsonObject } from './testing/json-arbitrary';

describe('applyMergePatch', () => {
  // RFC 7396, Appendix A, every row: original, patch, result.
  const appendixA: [string, string, string][] = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ];

  it.each(appendixA)('RFC 7396 Appendix A: %s + %s = %s', (original, patch, result) => {
    expect(applyMergePatch(JSON.parse(original), JSON.parse(patch))).toStrictEqual(JSON.parse(result));
  });

  it('treats an absent target like a non-object one', () => {
    expect(applyMergePatch(undefined, { a: { b: null, c: 1 } })).toStrictEqual({ a: { c: 1 } });
    expect(applyMergePatch(undefined, [1])).toStrictEqual([1]);
  });

  it('keeps a __proto__ key as plain data and never touches a prototype', () => {
    const patch = JSON.parse('{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true}}}');
    const result = applyMergePatch({ a: {} }, patch) as Record<string, Record<string, unknown>>;

    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.a)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['a', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(result.a, '__proto__')?.value).toStrictEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a patch nested deeper than the limit instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`) as JsonValue;
    const error = captureError(() => applyMergePatch({}, deep));

    expect(error).toBeInstanceOf(ProfileWriteError);
    expect(error).toMatchObject({ code: 'INVALID_DOCUMENT', pointer: '/a'.repeat(MAX_DOCUMENT_DEPTH) });
  });

  it('accepts a patch exactly at the depth limit', () => {
    const atLimit = JSON.parse(`${'{"a":'.repeat(MAX_DOCUMENT_DEPTH)}1${'}'.repeat(MAX_DOCUMENT_DEPTH)}`);
    expect(applyMergePatch({}, atLimit)).toStrictEqual(atLimit);
  });

  describe('properties', () => {
    const anyJson = fc.oneof(smallJson, fc.jsonValue() as fc.Arbitrary<JsonValue>);

    it('never mutates its inputs', () => {
      fc.assert(
        fc.property(anyJson, anyJson, (target, patch) => {
          const before = [canonicalJson(target), canonicalJson(patch)];
          // Frozen inputs make any write throw (specs run in strict mode).
          applyMergePatch(deepFreeze(target), deepFreeze(patch));
          expect([canonicalJson(target), canonicalJson(patch)]).toEqual(before);
        }),
      );
    });

    it('is idempotent: applying a patch twice equals applying it once', () => {
      fc.assert(
        fc.property(anyJson, anyJson, (target, patch) => {
          const once = applyMergePatch(target, patch);
          expect(canonicalJson(applyMergePatch(once, patch))).toBe(canonicalJson(once));
        }),
      );
    });

    it('removes the members a patch nulls, sets the others and keeps the rest of the target', () => {
      fc.assert(
        fc.property(smallJsonObject, smallJsonObject, (target, patch) => {
          const result = applyMergePatch(target, patch) as JsonObject;
          for (const [key, value] of Object.entries(patch))
            expect(Object.hasOwn(result, key)).toBe(value !== null);
          for (const key of Object.keys(target).filter((name) => !Object.hasOwn(patch, name))) {
            expect(result[key]).toBe(target[key]);
          }
        }),
      );
    });
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
