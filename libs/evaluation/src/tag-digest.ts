import { hash } from 'node:crypto';

// A fingerprint of a customer's set tags (id and value, in tag-id order; unset tags have no entry).
// Stored beside the profile by every write of its tags, it lets a recompute tell from one fresh
// evaluation that nothing changed, without reading the customer's tag rows. `sortedIds`, when given,
// lists every id `values` may hold in ascending order, which spares sorting (a recompute computes
// this once per customer, so it counts).
export function tagDigest(
  values: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
  sortedIds?: readonly string[],
): string {
  const isMap = values instanceof Map;
  const ids = sortedIds ?? (isMap ? [...values.keys()] : Object.keys(values)).sort();
  let text = '';
  for (const id of ids) {
    const value: unknown = isMap ? values.get(id) : (values as Record<string, unknown>)[id];
    if (value === null || value === undefined) continue;
    const encoded =
      typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
    // Tag ids are snake_case by the definition schema, so they need no quoting.
    text += `${id}:${encoded}\n`;
  }
  return hash('sha256', text, 'base64url');
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
