import { isDeepStrictEqual } from 'node:util';

export interface TagState {
  value: unknown;
  tagVersion: number;
}

export interface TagDiffEntry {
  tagId: string;
  oldValue: unknown;
  newValue: unknown;
  tagVersion: number;
}

// What must be written for one customer: every tag whose value changes (null = unset), with the
// version of the definition that produced it. Tags whose rule threw keep their current value, and
// tags no longer in the catalog are left to retirement, which records them as history itself.
export function diffTags(
  current: ReadonlyMap<string, TagState>,
  computed: Readonly<Record<string, unknown>>,
  versions: ReadonlyMap<string, number>,
  failed: ReadonlySet<string>,
): TagDiffEntry[] {
  const changes: TagDiffEntry[] = [];
  for (const [tagId, tagVersion] of versions) {
    if (failed.has(tagId)) continue;
    const oldValue = current.get(tagId)?.value ?? null;
    const newValue = computed[tagId] ?? null;
    if (!isDeepStrictEqual(oldValue, newValue)) changes.push({ tagId, oldValue, newValue, tagVersion });
  }
  return changes;
}
