import { createHash } from 'node:crypto';

/**
 * Whether a customer is in the holdout: sha256 of "<seed>:<customerId>" read as a fraction of 2³², below
 * the share. The split depends on the seed and the id only, not on the order or the size of the file.
 */
export function inHoldout(customerId: string, seed: number, share: number): boolean {
  const digest = createHash('sha256').update(`${seed}:${customerId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < share;
}
