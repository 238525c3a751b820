import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, TagforgeException, storableReviver } from '@tagforge/common';

const JSON_BODY_LIMIT = 1024 * 1024;
const BATCH_BODY_LIMIT = 64 * 1024 * 1024;
const BATCH_PATH = '/v1/profiles:batch';

const JSON_TYPES = ['application/json', 'application/merge-patch+json'];
const BATCH_TYPES = ['application/x-ndjson', 'text/plain'];

type ParsedRequest = FastifyRequest & { rawLength?: number };

/**
 * Bodies by content type, each with its size limit; the batch route takes NDJSON as text, every other
 * route JSON. Anything else with a body is refused with 415, and so is a compressed body: the service
 * does not inflate what it is sent. Errors reach the exception filter like any other.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  // Async parsers: what they throw is handed to Fastify as the request's error.
  fastify.addContentTypeParser(
    JSON_TYPES,
    { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT },
    async (request: FastifyRequest, body: Buffer) => parseJsonBody(request, body),
  );
  fastify.addContentTypeParser(
    BATCH_TYPES,
    { parseAs: 'buffer', bodyLimit: BATCH_BODY_LIMIT },
    async (request: FastifyRequest, body: Buffer) => parseBatchBody(request, body),
  );
  // Any other type with a body: refused before it is read.
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    done(unsupportedType(isBatch(request)), undefined);
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!hasBody(request)) {
      done();
      return;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      done(new TagforgeException(ErrorCode.UnsupportedMediaType, 'compressed bodies are not accepted'));
      return;
    }
    if (request.headers['content-type'] === undefined) {
      done(unsupportedType(isBatch(request)));
      return;
    }
    done();
  });
}

/** Bytes of body the parser read; 0 when the request carried none. */
export function parsedBodyLength(request: FastifyRequest): number {
  return (request as ParsedRequest).rawLength ?? 0;
}

function parseJsonBody(request: FastifyRequest, body: Buffer): unknown {
  if (isBatch(request)) throw unsupportedType(true);
  const text = readText(request, body);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text, storableReviver) as unknown;
  } catch (error) {
    throw new TagforgeException(
      ErrorCode.InvalidJson,
      `the body is not valid JSON: ${error instanceof Error ? error.message : ''}`.trim(),
    );
  }
}

function parseBatchBody(request: FastifyRequest, body: Buffer): string | undefined {
  if (!isBatch(request)) throw unsupportedType(false);
  return readText(request, body);
}

// Bodies must be valid UTF-8 (a lenient decoder would store U+FFFD instead) in a UTF-8 charset.
function readText(request: FastifyRequest, body: Buffer): string | undefined {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new TagforgeException(ErrorCode.UnsupportedMediaType, `unsupported charset "${charset}"`);
  }
  (request as ParsedRequest).rawLength = body.length;
  if (body.length === 0) return undefined;
  if (!isUtf8(body)) throw new TagforgeException(ErrorCode.InvalidJson, 'the body is not valid UTF-8');
  return body.toString('utf8');
}

// NDJSON routes: the profile batch and a campaign's outcomes.
const OUTCOMES_PATH = /^\/v1\/campaigns\/[^/]+\/outcomes$/;

function isBatch(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === BATCH_PATH || OUTCOMES_PATH.test(path);
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function unsupportedType(batch: boolean): TagforgeException {
  return new TagforgeException(
    ErrorCode.UnsupportedMediaType,
    `send the body as ${(batch ? BATCH_TYPES : JSON_TYPES).join(' or ')}`,
  );
}
