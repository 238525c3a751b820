import fc from 'fast-check';
import { isJsonObject, type JsonObject, type JsonValue } from '../json-value';

// A few keys and small leaves make generated documents collide, so diffs and merges hit the
// interesting cases (same key on both sides, equal and unequal values). `__proto__` is a key like
// any other in JSON and must stay one.
const key = fc.constantFrom('a', 'b', 'c', 'asOf', '__proto__');
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom('', 's'),
);

export const smallJson: fc.Arbitrary<JsonValue> = fc.letrec<{
  value: JsonValue;
  array: JsonValue[];
  object: JsonObject;
}>((tie) => ({
  value: fc.oneof({ maxDepth: 4, depthIdentifier: 'json' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'json' }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4, depthIdentifier: 'json' }),
})).value;

export const smallJsonObject: fc.Arbitrary<JsonObject> = fc.dictionary(key, smallJson, { maxKeys: 4 });

// JSON text with object keys sorted: equal strings <=> equal documents (key order ignored, -0 = 0).
export function canonicalJson(value: JsonValue | undefined): string | undefined {
  return JSON.stringify(value, (_key, member: JsonValue) =>
    isJsonObject(member)
      ? Object.fromEntries(
          Object.keys(member)
            .sort()
            .map((name) => [name, member[name]]),
        )
      : member,
  );
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
