import { Injectable, type PipeTransform } from '@nestjs/common';
import { isTagId, TAG_ID_MAX_LENGTH } from '@tagforge/catalog';
import {
  ErrorCode,
  TagforgeException,
  assertCustomerId,
  parseLimit,
  type CursorCodec,
} from '@tagforge/common';
import { parseNow } from '@tagforge/rules';

// Path and query parameters are parsed here, at the edge: handlers and the libraries behind them get
// typed values. A parameter sent twice (?limit=1&limit=2) arrives as an array and is refused.

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new TagforgeException(ErrorCode.BadRequest, `${name} is given more than once`);
  }
  return value;
}

@Injectable()
export class CustomerIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return assertCustomerId(value);
  }
}

export function assertTagId(value: unknown, name = 'tag id'): string {
  if (!isTagId(value)) {
    throw new TagforgeException(
      ErrorCode.InvalidId,
      `${name} must be snake_case: a lowercase letter, then letters, digits and single underscores, at most ${TAG_ID_MAX_LENGTH} characters`,
    );
  }
  return value;
}

@Injectable()
export class TagIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return assertTagId(value);
  }
}

// An optional tag id in the query (history?tagId=).
export class OptionalTagIdPipe implements PipeTransform<unknown, string | undefined> {
  constructor(private readonly name: string) {}

  transform(value: unknown): string | undefined {
    const text = single(value, this.name);
    return text === undefined ? undefined : assertTagId(text, this.name);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// An id that is a lowercase UUID (runs, change sets).
export class UuidPipe implements PipeTransform<unknown, string> {
  constructor(private readonly what: string) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new TagforgeException(ErrorCode.InvalidId, `a ${this.what} id is a lowercase UUID`);
    }
    return value;
  }
}

@Injectable()
export class RunIdPipe extends UuidPipe {
  constructor() {
    super('run');
  }
}

@Injectable()
export class VersionPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    if (typeof value !== 'string' || !/^[1-9][0-9]{0,8}$/.test(value)) {
      throw new TagforgeException(ErrorCode.InvalidId, 'a version is a positive integer');
    }
    return Number(value);
  }
}

export class LimitPipe implements PipeTransform<unknown, number> {
  constructor(
    readonly fallback: number,
    readonly max: number,
  ) {}

  transform(value: unknown): number {
    return parseLimit(single(value, 'limit'), this.fallback, this.max);
  }
}

// An instant (asOf, from, to): strict ISO 8601. `asOf` asks what was true then, so it cannot lie
// ahead: the future is not known yet.
export class InstantPipe implements PipeTransform<unknown, Date | undefined> {
  constructor(
    private readonly name: string,
    private readonly notInFuture = false,
  ) {}

  transform(value: unknown): Date | undefined {
    const text = single(value, this.name);
    if (text === undefined) return undefined;
    let instant: Date;
    try {
      instant = new Date(parseNow(text));
    } catch {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${this.name} must be an ISO 8601 instant, e.g. 2026-11-28T08:00:00Z`,
      );
    }
    if (instant.getUTCFullYear() < 1970 || instant.getUTCFullYear() > 9999) {
      throw new TagforgeException(ErrorCode.BadRequest, `${this.name} must lie between 1970 and 9999`);
    }
    if (this.notInFuture && instant.getTime() > Date.now()) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${this.name} ${instant.toISOString()} is in the future; what holds then is not known yet`,
      );
    }
    return instant;
  }
}

export const AS_OF = () => new InstantPipe('asOf', true);

export class CursorPipe<T> implements PipeTransform<unknown, T | undefined> {
  constructor(
    private readonly codec: CursorCodec<T>,
    private readonly name = 'cursor',
  ) {}

  transform(value: unknown): T | undefined {
    const text = single(value, this.name);
    return text === undefined ? undefined : this.codec.decode(text);
  }
}

// `since` of a changes feed: a cursor of the feed, or "now" for where the feed stands.
export class SinceCursorPipe<T> implements PipeTransform<unknown, T | 'now' | undefined> {
  constructor(private readonly codec: CursorCodec<T>) {}

  transform(value: unknown): T | 'now' | undefined {
    const text = single(value, 'since');
    if (text === 'now') return 'now';
    return text === undefined ? undefined : this.codec.decode(text);
  }
}

// One of a fixed set of words (?change=entered, ?format=text, ?lang=zh).
export class OneOfPipe<T extends string> implements PipeTransform<unknown, T | undefined> {
  constructor(
    private readonly name: string,
    private readonly values: readonly T[],
    private readonly required = false,
  ) {}

  transform(value: unknown): T | undefined {
    const text = single(value, this.name);
    if (text === undefined && !this.required) return undefined;
    if (text === undefined || !(this.values as readonly string[]).includes(text)) {
      throw new TagforgeException(ErrorCode.BadRequest, `${this.name} is one of ${this.values.join(', ')}`);
    }
    return text as T;
  }
}

// A category value (?value=A): any text a tag could hold, within reason.
export class TextPipe implements PipeTransform<unknown, string | undefined> {
  constructor(
    private readonly name: string,
    private readonly maxLength = 200,
  ) {}

  transform(value: unknown): string | undefined {
    const text = single(value, this.name);
    if (text === undefined) return undefined;
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
    if (text.length === 0 || text.length > this.maxLength || /[\u0000-\u001f\u007f]/.test(text)) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${this.name} is 1-${this.maxLength} characters without control characters`,
      );
    }
    return text;
  }
}

// A number bound (?min=, ?max=): a plain decimal.
export class NumberPipe implements PipeTransform<unknown, number | undefined> {
  constructor(private readonly name: string) {}

  transform(value: unknown): number | undefined {
    const text = single(value, this.name);
    if (text === undefined) return undefined;
    if (!/^-?\d{1,15}(\.\d{1,15})?$/.test(text)) {
      throw new TagforgeException(ErrorCode.BadRequest, `${this.name} must be a decimal number such as 12.5`);
    }
    return Number(text);
  }
}
