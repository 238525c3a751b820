import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import type { TagDefinition } from './tag-definition';

// sha256 of a definition's canonical JSON: the same content always has the same checksum.
export function definitionChecksum(definition: TagDefinition): string {
  return createHash('sha256').update(stableStringify(definition)).digest('hex');
}

export type DriftState = 'same' | 'changed' | 'only-in-folder' | 'only-live';

export interface DriftEntry {
  id: string;
  state: DriftState;
  folderChecksum: string | null;
  liveChecksum: string | null;
  liveVersion: number | null;
}

// A definitions folder against the live (active) catalog, by checksum, in id order.
export function definitionDrift(
  folder: readonly { id: string; checksum: string }[],
  live: readonly { id: string; checksum: string; version: number }[],
): DriftEntry[] {
  const inFolder = new Map(folder.map((entry) => [entry.id, entry.checksum]));
  const isLive = new Map(live.map((entry) => [entry.id, entry]));
  const ids = [...new Set([...inFolder.keys(), ...isLive.keys()])].sort();
  return ids.map((id) => {
    const folderChecksum = inFolder.get(id) ?? null;
    const liveEntry = isLive.get(id);
    const state: DriftState =
      folderChecksum === null
        ? 'only-live'
        : liveEntry === undefined
          ? 'only-in-folder'
          : liveEntry.checksum === folderChecksum
            ? 'same'
            : 'changed';
    return {
      id,
      state,
      folderChecksum,
      liveChecksum: liveEntry?.checksum ?? null,
      liveVersion: liveEntry?.version ?? null,
    };
  });
}

export function driftSummary(entries: readonly DriftEntry[]): Record<DriftState, number> {
  const summary: Record<DriftState, number> = { same: 0, changed: 0, 'only-in-folder': 0, 'only-live': 0 };
  for (const entry of entries) summary[entry.state] += 1;
  return summary;
}
