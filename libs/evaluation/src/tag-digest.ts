import { createHash } from 'node:crypto';

// A fingerprint of a customer's set tags (id and value; unset tags have no entry). Stored beside the
// profile by every write of its tags, it lets a recompute tell from one fresh evaluation that
// nothing changed, without reading the customer's tag rows.
export function tagDigest(values: Iterable<readonly [string, unknown]>): string {
  const entries = [...values].filter(([, value]) => value !== null && value !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [tagId, value] of entries) hash.update(`${JSON.stringify(tagId)}:${JSON.stringify(value)}\n`);
  return hash.digest('base64url');
}

// The tags a customer holds after `changes` are written over `current` (a null new value unsets).
export function tagsAfter(
  current: ReadonlyMap<string, { value: unknown }>,
  changes: readonly { tagId: string; newValue: unknown }[],
): Map<string, unknown> {
  const after = new Map<string, unknown>();
  for (const [tagId, state] of current) after.set(tagId, state.value);
  for (const change of changes) {
    if (change.newValue === null) after.delete(change.tagId);
    else after.set(change.tagId, change.newValue);
  }
  return after;
}
