import { Injectable, type NestMiddleware } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode, TagforgeException, storableReviver } from '@tagforge/common';
import { mapError } from './error-body';

export const JSON_BODY_LIMIT = '1mb';
export const BATCH_BODY_LIMIT = '64mb';
export const BATCH_PATH = '/v1/profiles:batch';

const JSON_TYPES = ['application/json', 'application/merge-patch+json'];
const BATCH_TYPES = ['application/x-ndjson', 'text/plain'];
// Bodies must be valid UTF-8: body-parser would silently store U+FFFD instead.
const verify = (request: Request, _response: Response, buffer: Buffer) => {
  (request as Request & { rawLength?: number }).rawLength = buffer.length;
  if (!isUtf8(buffer))
    throw Object.assign(new Error('the body is not valid UTF-8'), { type: 'entity.parse.failed' });
};
const jsonParser = express.json({
  limit: JSON_BODY_LIMIT,
  type: JSON_TYPES,
  verify,
  reviver: storableReviver,
});
const batchParser = express.text({ limit: BATCH_BODY_LIMIT, type: BATCH_TYPES, verify });

// Body limits per route; run as Nest middleware so parse and size errors reach the exception filter.
@Injectable()
export class BodyParserMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const isBatch = request.originalUrl.split('?')[0] === BATCH_PATH;
    const types = isBatch ? BATCH_TYPES : JSON_TYPES;
    if (hasBody(request) && !request.is(types)) {
      next(new TagforgeException(ErrorCode.UnsupportedMediaType, `send the body as ${types.join(' or ')}`));
      return;
    }
    (isBatch ? batchParser : jsonParser)(request, response, (error?: unknown) => {
      next(error ? bodyError(error) : undefined);
    });
  }
}

/** Bytes of body the parser read; 0 when the request carried none. */
export function parsedBodyLength(request: Request): number {
  return (request as Request & { rawLength?: number }).rawLength ?? 0;
}

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

// body-parser's errors carry a `type`; turn them into ours before Nest wraps them.
function bodyError(error: unknown): unknown {
  const mapped = mapError(error);
  return mapped.unexpected ? error : new TagforgeException(mapped.body.error.code, mapped.body.error.message);
}
