import { assertMaxDepth } from './document-depth';
import { isJsonObject, jsonEqual, type JsonValue, ownValue } from './json-value';

// Dotted paths of what differs between two documents, as rules read them: object keys descend
// ('deposits.balance'); arrays are compared whole at their path ('loans'); a value that is added,
// removed or changes type yields its own path and is not descended into ('bureau'). Callers treat
// a path as overlapping every path it prefixes. Sorted, unique, [] when deep-equal (key order
// ignored).
//
// An absent document (`undefined`) counts as `{}` when the other side is an object, so creating a
// profile lists its sections. Otherwise a differing root is reported as '' (the whole document).
export function changedPaths(before: JsonValue | undefined, after: JsonValue | undefined): string[] {
  assertMaxDepth(before);
  assertMaxDepth(after);
  const paths = new Set<string>();
  collect(
    before === undefined && isJsonObject(after) ? {} : before,
    after === undefined && isJsonObject(before) ? {} : after,
    '',
    paths,
  );
  return [...paths].sort();
}

function collect(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: string,
  paths: Set<string>,
): void {
  if (isJsonObject(before) && isJsonObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      collect(ownValue(before, key), ownValue(after, key), path === '' ? key : `${path}.${key}`, paths);
    }
  } else if (!jsonEqual(before, after)) {
    paths.add(path);
  }
}
