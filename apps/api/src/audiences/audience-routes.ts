import type { Request, Response } from 'express';
import type { AudienceKind, AudienceService, ExportFormat } from '@tagforge/serving';

// Members as JSON pages, or the whole list streamed as CSV / NDJSON, by the Accept header.
export async function sendMembers(
  audiences: AudienceService,
  kind: AudienceKind,
  id: string,
  query: { limit?: string; cursor?: string; asOf?: string },
  request: Request,
  response: Response,
): Promise<void> {
  const format: ExportFormat | null =
    request.accepts(['application/json', 'text/csv', 'application/x-ndjson']) === 'text/csv'
      ? 'csv'
      : request.accepts(['application/json', 'application/x-ndjson']) === 'application/x-ndjson'
        ? 'ndjson'
        : null;
  if (!format) {
    response.json(await audiences.members(id, kind, query));
    return;
  }
  response.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
  response.setHeader(
    'Content-Disposition',
    `attachment; filename="${id}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
  );
  await audiences.exportMembers(id, kind, format, query.asOf, response);
}
