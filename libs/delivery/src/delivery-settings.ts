import type { AppConfig } from '@tagforge/common';
import { parseAllowedHosts } from './destination-address';
import type { RetryPolicy } from './retry-policy';
import type { SendOptions } from './webhook-sender';

// A receiver's answer is read up to this many bytes (kept with a dead letter).
export const MAX_RESPONSE_BYTES = 2048;

export interface DeliverySettings {
  policy: RetryPolicy;
  send: SendOptions;
  // A worker holds a destination this long past its last write (renewed every batch).
  leaseMs: number;
}

export function deliverySettings(config: AppConfig): DeliverySettings {
  return {
    policy: {
      baseDelayMs: config.DESTINATION_BACKOFF_BASE_MS,
      maxDelayMs: config.DESTINATION_BACKOFF_MAX_MS,
      windowMs: Math.round(config.DESTINATION_RETRY_HOURS * 3_600_000),
      disableAfterFailures: config.DESTINATION_DISABLE_AFTER_FAILURES,
    },
    send: {
      connectTimeoutMs: config.DESTINATION_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: config.DESTINATION_TIMEOUT_MS,
      allowedHosts: parseAllowedHosts(config.DESTINATION_ALLOWED_HOSTS ?? ''),
      maxResponseBytes: MAX_RESPONSE_BYTES,
    },
    leaseMs: config.DESTINATION_TIMEOUT_MS + config.DESTINATION_CONNECT_TIMEOUT_MS + 10_000,
  };
}
