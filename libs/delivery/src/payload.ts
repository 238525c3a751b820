import { changeIdempotencyKey, type FeedPoint } from './signing';

// What a receiver gets. Ids and tag values only: never a profile section, never a credit-bureau
// value (the early-warning explanation withholds bureau facts unless the destination is marked for
// risk use by an admin). Pure.

export type ChangeKind = 'entered' | 'exited';
export const CHANGE_KINDS: readonly ChangeKind[] = ['entered', 'exited'];

// A membership change read from the history (tag_event), in feed order.
export interface HistoryChange extends FeedPoint {
  customerId: string;
  tagId: string;
  entered: boolean;
  at: Date;
  tagVersion: number;
  profileVersion: string;
  cause: string;
  // When the profile write that raised it committed (profile-caused changes of the current version).
  writtenAt: Date | null;
}

export interface ChangeEvent {
  idempotencyKey: string;
  cursor: string;
  customerId: string;
  audience: string;
  change: ChangeKind;
  at: string;
  tagVersion: number;
  profileVersion: string;
  cause: string;
  values?: Record<string, unknown>;
  explanation?: string | null;
}

export interface BatchPayload {
  type: 'audience.changes' | 'early_warning.signals';
  destinationId: string;
  batch: { webhookId: string; from: string; to: string; events: number };
  events: ChangeEvent[];
}

export interface PingPayload {
  type: 'ping';
  destinationId: string;
  at: string;
}

export const changeKind = (change: HistoryChange): ChangeKind => (change.entered ? 'entered' : 'exited');

// The changes a destination wants from a range it read (its `events` selection).
export function selectChanges(
  changes: readonly HistoryChange[],
  events: readonly ChangeKind[],
): HistoryChange[] {
  return changes.filter((change) => events.includes(changeKind(change)));
}

export function buildBatch(input: {
  destinationId: string;
  earlyWarning: boolean;
  webhookId: string;
  from: string;
  to: string;
  changes: readonly HistoryChange[];
  cursorOf: (point: FeedPoint) => string;
  // Extra tag values per customer (the destination's columns), current at sending.
  values?: ReadonlyMap<string, Record<string, unknown>>;
  // Early warning: the signal's explanation in words, per change (null when it cannot be given).
  explanations?: ReadonlyMap<string, string | null>;
}): BatchPayload {
  return {
    type: input.earlyWarning ? 'early_warning.signals' : 'audience.changes',
    destinationId: input.destinationId,
    batch: { webhookId: input.webhookId, from: input.from, to: input.to, events: input.changes.length },
    events: input.changes.map((change) => ({
      idempotencyKey: changeIdempotencyKey(change.seq),
      cursor: input.cursorOf(change),
      customerId: change.customerId,
      audience: change.tagId,
      change: changeKind(change),
      at: change.at.toISOString(),
      tagVersion: change.tagVersion,
      profileVersion: change.profileVersion,
      cause: change.cause,
      ...(input.values ? { values: input.values.get(change.customerId) ?? {} } : {}),
      ...(input.explanations ? { explanation: input.explanations.get(change.seq) ?? null } : {}),
    })),
  };
}

// Explanations are only worth computing for signals raised.
export const needsExplanation = (change: HistoryChange) => change.entered;
