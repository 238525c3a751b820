import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

// Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix
// seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, computed by the
// reference library — never by hand. During a secret rotation both secrets sign, space-separated,
// so a receiver holding either verifies.

const SECRET_PREFIX = 'whsec_';

export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export const isSecret = (text: string) => /^whsec_[A-Za-z0-9+/]{43}=$/.test(text);

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signedHeaders(
  secrets: readonly string[],
  webhookId: string,
  at: Date,
  body: string,
): SignedHeaders {
  // The library signs whole seconds (the timestamp header); so does this.
  const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(webhookId, timestamp, body))
      .join(' '),
  };
}

// A position in the history: the feed's (txid, seq).
export interface FeedPoint {
  txid: string;
  seq: string;
}

// One id per batch, the same on every retry of it: derived from the destination, the batch's range
// of the history and the replay generation (a replay is meant to arrive again, so it gets new ids).
export function batchWebhookId(
  destinationId: string,
  from: FeedPoint,
  to: FeedPoint,
  generation: number,
): string {
  const digest = createHash('sha256')
    .update(`${destinationId}|${from.txid}.${from.seq}|${to.txid}.${to.seq}|${generation}`)
    .digest('hex');
  return `msg_${digest.slice(0, 32)}`;
}

// One key per change, the same wherever and however often it is sent: its history row.
export const changeIdempotencyKey = (seq: string) => `evt_${seq}`;
