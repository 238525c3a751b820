import accepts from 'accepts';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExportFormat } from '@tagforge/serving';

const JSON_TYPE = 'application/json';
const CSV_TYPE = 'text/csv';
const NDJSON_TYPE = 'application/x-ndjson';

// The streamed format a list route answers in, by the Accept header. With `json` the route also
// answers JSON pages: null is "send a page", which is what `*/*` or no Accept header gets, and CSV
// or NDJSON only when asked for by name. Without it (an export that streams whatever is asked) the
// fallback is NDJSON and CSV only when preferred.
export function negotiateExportFormat(request: FastifyRequest, options: { json: true }): ExportFormat | null;
export function negotiateExportFormat(request: FastifyRequest, options: { json: false }): ExportFormat;
export function negotiateExportFormat(
  request: FastifyRequest,
  options: { json: boolean },
): ExportFormat | null {
  const accept = accepts(request.raw);
  if (!options.json) return accept.type([NDJSON_TYPE, CSV_TYPE]) === CSV_TYPE ? 'csv' : 'ndjson';
  if (accept.type([JSON_TYPE, CSV_TYPE, NDJSON_TYPE]) === CSV_TYPE) return 'csv';
  return accept.type([JSON_TYPE, NDJSON_TYPE]) === NDJSON_TYPE ? 'ndjson' : null;
}

// Takes the socket over for an export written page by page with backpressure: the head carries the
// headers set so far (request id, security headers), the format's type and a file name.
export function startAttachment(
  reply: FastifyReply,
  format: ExportFormat,
  fileName: string,
  headers: Record<string, string> = {},
): ServerResponse {
  reply.hijack();
  reply.raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : NDJSON_TYPE,
    'Content-Disposition': `attachment; filename="${fileName}.${format}"`,
    ...headers,
  });
  return reply.raw;
}
