import { assertMaxDepth } from './document-depth';
import { isJsonObject, type JsonValue } from './json-value';

// RFC 7396 JSON Merge Patch. Pure: inputs are never mutated; the result shares untouched subtrees of
// `target` and non-object values of `patch`, so treat all three as immutable. Objects are built with
// Object.fromEntries (own data properties), so a `__proto__` key stays a plain key and never reaches
// a prototype. Throws ProfileWriteError('INVALID_DOCUMENT') for a patch nested deeper than
// MAX_DOCUMENT_DEPTH.
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  assertMaxDepth(patch);
  return merge(target, patch);
}

function merge(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const members = new Map(isJsonObject(target) ? Object.entries(target) : []);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) members.delete(key);
    else members.set(key, merge(members.get(key), value));
  }
  return Object.fromEntries(members);
}
