import { ErrorCode, TagforgeException } from './errors';

// `limit` on every list: decimal digits only (no `1e2`, `0x10` or `10.0`), from 1 to the route's cap.
export function parseLimit(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!/^\d{1,9}$/.test(text) || limit < 1 || limit > max) {
    throw new TagforgeException(ErrorCode.BadRequest, `limit must be an integer from 1 to ${max}`);
  }
  return limit;
}
