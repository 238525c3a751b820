import { cursorCodec, instantPart, isCustomerId, isSequence } from '@tagforge/common';

// Where each list of this library stands, as the opaque cursors its answers carry.
export const MEMBERS_CURSOR = cursorCodec<string>(
  1,
  (customerId) => [customerId],
  ([customerId]) => (isCustomerId(customerId) ? customerId : undefined),
);

export interface FeedPosition {
  txid: string;
  seq: string;
}

export const CHANGES_CURSOR = cursorCodec<FeedPosition>(
  2,
  (position) => [position.txid, position.seq],
  ([txid, seq]) => (isSequence(txid) && isSequence(seq) ? { txid, seq } : undefined),
);

export interface HistoryPosition {
  at: Date;
  seq: string;
}

export const HISTORY_CURSOR = cursorCodec<HistoryPosition>(
  2,
  (position) => [position.at.toISOString(), position.seq],
  ([at, seq]) => {
    const instant = instantPart(at);
    return instant && isSequence(seq) ? { at: instant, seq } : undefined;
  },
);

export const AUDIT_CURSOR = cursorCodec<string>(
  1,
  (id) => [id],
  ([id]) => (/^\d{1,18}$/.test(id) ? id : undefined),
);

// Campaign ids follow the customer-id pattern.
export const CAMPAIGNS_CURSOR = cursorCodec<string>(
  1,
  (campaignId) => [campaignId],
  ([campaignId]) => (isCustomerId(campaignId) ? campaignId : undefined),
);

export const CAMPAIGN_MEMBERS_CURSOR = cursorCodec<string>(
  1,
  (customerId) => [customerId],
  ([customerId]) => (isCustomerId(customerId) ? customerId : undefined),
);
