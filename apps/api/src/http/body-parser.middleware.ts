import { Injectable, type NestMiddleware } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { mapError } from './error-body';

export const JSON_BODY_LIMIT = '1mb';
export const BATCH_BODY_LIMIT = '64mb';
export const BATCH_PATH = '/v1/profiles:batch';

const JSON_TYPES = ['application/json', 'application/merge-patch+json'];
const BATCH_TYPES = ['application/x-ndjson', 'text/plain'];
const jsonParser = express.json({ limit: JSON_BODY_LIMIT, type: JSON_TYPES });
const batchParser = express.text({ limit: BATCH_BODY_LIMIT, type: BATCH_TYPES });

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
    (isBatch ? batchParser : jsonParser)(request, response, (error?: unknown) =>
      next(error && bodyError(error)),
    );
  }
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
