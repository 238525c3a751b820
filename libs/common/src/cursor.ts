import { ErrorCode, TagforgeException } from './errors';

// Cursors are opaque to clients: base64url of a small JSON array of strings this API wrote. Each
// list has its own codec (what a position is made of), all with this one envelope and error.
export interface CursorCodec<T> {
  encode(position: T): string;
  // The position, or a 400 for anything no answer of this list ever held.
  decode(cursor: string): T;
}

const MAX_CURSOR_LENGTH = 512;

export function cursorCodec<T>(
  arity: number,
  toParts: (position: T) => readonly string[],
  fromParts: (parts: readonly string[]) => T | undefined,
): CursorCodec<T> {
  return {
    encode: (position) => Buffer.from(JSON.stringify(toParts(position))).toString('base64url'),
    decode: (cursor) => {
      let position: T | undefined;
      if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]*$/.test(cursor)) {
        try {
          const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
          if (
            Array.isArray(parts) &&
            parts.length === arity &&
            parts.every((part) => typeof part === 'string')
          ) {
            position = fromParts(parts as string[]);
          }
        } catch {
          position = undefined;
        }
      }
      if (position === undefined) {
        throw new TagforgeException(ErrorCode.BadRequest, 'cursor is not one this API returned');
      }
      return position;
    },
  };
}

// Parts every cursor is made of.
export const isSequence = (text: string) => /^\d{1,18}$/.test(text);

export function instantPart(text: string): Date | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(text)) return undefined;
  const at = new Date(text);
  // Nothing this API stores is older than 1970; Postgres has no year 0.
  return Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1970 ? undefined : at;
}
