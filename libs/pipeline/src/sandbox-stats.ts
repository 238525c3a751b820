import { isDeepStrictEqual } from 'node:util';
import type { TagKind } from '@tagforge/evaluation';
import type { SandboxChange } from '@tagforge/persistence';

export interface TagSandboxStats {
  set: number;
  setBefore: number;
  entered: number;
  left: number;
  changed: number;
  // category tags: how many customers get each value with the draft
  values?: Record<string, number>;
  // number tags: over the customers with a value
  numbers?: { count: number; sum: number; min: number | null; max: number | null };
  errors?: { count: number; example: string };
}

export type SandboxStats = Record<string, TagSandboxStats>;

const empty = (): TagSandboxStats => ({ set: 0, setBefore: 0, entered: 0, left: 0, changed: 0 });

// One customer's before (live) and after (with the drafts) of a tag, counted; returns the change
// to keep for listing, if any. Pure, so chunk stats add up the same however chunks are split.
export function countTag(
  stats: SandboxStats,
  tagId: string,
  kind: TagKind,
  before: unknown,
  after: unknown,
): SandboxChange | null {
  const entry = (stats[tagId] ??= empty());
  if (before !== null) entry.setBefore += 1;
  if (after !== null) {
    entry.set += 1;
    if (kind === 'category') {
      entry.values ??= {};
      entry.values[String(after)] = (entry.values[String(after)] ?? 0) + 1;
    } else if (kind === 'number' && typeof after === 'number') {
      const numbers = (entry.numbers ??= { count: 0, sum: 0, min: null, max: null });
      numbers.count += 1;
      numbers.sum += after;
      numbers.min = numbers.min === null ? after : Math.min(numbers.min, after);
      numbers.max = numbers.max === null ? after : Math.max(numbers.max, after);
    }
  }
  if (before === null && after !== null) return ((entry.entered += 1), 'entered');
  if (before !== null && after === null) return ((entry.left += 1), 'left');
  if (before !== null && !isDeepStrictEqual(before, after)) return ((entry.changed += 1), 'changed');
  return null;
}

export function countError(stats: SandboxStats, tagId: string, example: string): void {
  const entry = (stats[tagId] ??= empty());
  entry.errors ??= { count: 0, example };
  entry.errors.count += 1;
}

export function mergeStats(parts: readonly SandboxStats[]): SandboxStats {
  const total: SandboxStats = {};
  for (const part of parts) {
    for (const [tagId, stats] of Object.entries(part)) {
      const entry = (total[tagId] ??= empty());
      entry.set += stats.set;
      entry.setBefore += stats.setBefore;
      entry.entered += stats.entered;
      entry.left += stats.left;
      entry.changed += stats.changed;
      for (const [value, count] of Object.entries(stats.values ?? {})) {
        entry.values ??= {};
        entry.values[value] = (entry.values[value] ?? 0) + count;
      }
      if (stats.numbers) {
        const numbers = (entry.numbers ??= { count: 0, sum: 0, min: null, max: null });
        numbers.count += stats.numbers.count;
        numbers.sum += stats.numbers.sum;
        numbers.min = [numbers.min, stats.numbers.min]
          .filter((n): n is number => n !== null)
          .reduce((a, b) => Math.min(a, b), Infinity);
        numbers.max = [numbers.max, stats.numbers.max]
          .filter((n): n is number => n !== null)
          .reduce((a, b) => Math.max(a, b), -Infinity);
        if (!Number.isFinite(numbers.min)) numbers.min = null;
        if (!Number.isFinite(numbers.max)) numbers.max = null;
      }
      if (stats.errors) {
        entry.errors ??= { count: 0, example: stats.errors.example };
        entry.errors.count += stats.errors.count;
      }
    }
  }
  return total;
}
