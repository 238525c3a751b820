import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

// A key reads `tfk_<id>_<secret>`: the id finds the row, the secret is checked against its hash.
const KEY_PATTERN = /^tfk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

// How a key reads, for documentation (OpenAPI's bearerFormat).
export const API_KEY_FORMAT = 'tfk_<id>_<secret>';

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export function newApiKey(): { id: string; key: string; hash: string } {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `tfk_${id.replace(/-/g, '')}_${secret}`, hash: hashSecret(secret) };
}

export function parseApiKey(key: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const hex = match[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: match[2] };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// The bootstrap key is chosen by the operator, so it need not have our format: derive a stable id
// and hash from it instead.
export function bootstrapKeyIdentity(key: string): { id: string; hash: string } {
  const digest = createHash('sha256').update(`tagforge-bootstrap:${key}`).digest('hex');
  const id = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  return { id, hash: hashSecret(key) };
}
