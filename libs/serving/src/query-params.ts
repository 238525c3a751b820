import { ErrorCode, TagforgeException } from '@tagforge/common';
import { parseNow } from '@tagforge/rules';

export function parseInstant(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  try {
    return new Date(parseNow(text));
  } catch {
    throw new TagforgeException(
      ErrorCode.BadRequest,
      `${name} must be an ISO 8601 instant, e.g. 2026-11-28T08:00:00Z`,
    );
  }
}

// Cursors are opaque to clients: base64url of a small JSON array this API wrote.
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  arity: number,
  valid: (parts: string[]) => boolean = () => true,
): string[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parts) &&
      parts.length === arity &&
      parts.every((part) => typeof part === 'string') &&
      valid(parts as string[])
    ) {
      return parts as string[];
    }
  } catch {
    // fall through
  }
  throw new TagforgeException(ErrorCode.BadRequest, 'cursor is not one this API returned');
}
