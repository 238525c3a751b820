import { createHash } from 'node:crypto';

export type CampaignGroup = 'target' | 'control';
export const CAMPAIGN_GROUPS: readonly CampaignGroup[] = ['target', 'control'];

// The split works in basis points: 10,000 buckets, so a holdout of 12.5 % is exact.
export const HOLDOUT_BUCKETS = 10_000;
export const MAX_HOLDOUT_PERCENT = 50;

/**
 * The bucket (0 to 9,999) of a customer in a campaign: the first 32 bits of md5("<seed>:<customerId>")
 * as an unsigned integer, modulo 10,000. md5 because Postgres has it built in, so the freeze computes
 * the same bucket in SQL (CampaignRepository) as this function does; the bias of a 32-bit value
 * modulo 10,000 is below 3 in a million.
 */
export function holdoutBucket(seed: string, customerId: string): number {
  const digest = createHash('md5').update(`${seed}:${customerId}`, 'utf8').digest();
  return digest.readUInt32BE(0) % HOLDOUT_BUCKETS;
}

/** Buckets below this number are the control group. */
export function controlBuckets(holdoutPercent: number): number {
  return Math.round(holdoutPercent * (HOLDOUT_BUCKETS / 100));
}

/** The group of a customer: control when its bucket falls in the holdout, target otherwise. */
export function campaignGroup(seed: string, customerId: string, holdoutPercent: number): CampaignGroup {
  return holdoutBucket(seed, customerId) < controlBuckets(holdoutPercent) ? 'control' : 'target';
}
