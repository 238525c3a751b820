import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AudienceKind, AudienceService, ExportFormat } from '@tagforge/serving';

// Members as JSON pages, or the whole list streamed as CSV / NDJSON, by the Accept header.
export async function sendMembers(
  audiences: AudienceService,
  kind: AudienceKind,
  id: string,
  query: { limit?: string; cursor?: string; asOf?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const accept = accepts(request.raw);
  const format: ExportFormat | null =
    accept.type(['application/json', 'text/csv', 'application/x-ndjson']) === 'text/csv'
      ? 'csv'
      : accept.type(['application/json', 'application/x-ndjson']) === 'application/x-ndjson'
        ? 'ndjson'
        : null;
  if (!format) {
    await reply.send(await audiences.members(id, kind, query));
    return;
  }
  await audiences.exportMembers(id, kind, format, query.asOf, () => {
    // The export writes to the socket itself, page by page, with backpressure.
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'Content-Disposition': `attachment; filename="${id}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    });
    return reply.raw;
  });
}
