import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AudienceRef, AudienceService, ColumnRequest, ExportFormat } from '@tagforge/serving';
import { replicaLagHeader, replicaReadsOf } from '../http/replica-lag';

export const AS_OF_HEADER = 'Tagforge-As-Of';

export interface MembersQuery {
  limit: number;
  after: string | null;
  asOf?: Date;
  columns: ColumnRequest[];
}

// Members as JSON pages, or the whole list streamed as CSV / NDJSON, by the Accept header.
export async function sendMembers(
  audiences: AudienceService,
  ref: AudienceRef,
  query: MembersQuery,
  canReadBureau: boolean,
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
    await reply.send(await audiences.members(ref, query, canReadBureau));
    return;
  }
  const name = ref.value === undefined ? ref.id : `${ref.id}-${ref.value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  await audiences.exportMembers(
    ref,
    { format, asOf: query.asOf, columns: query.columns },
    canReadBureau,
    () => {
      // The export writes to the socket itself, page by page, with backpressure.
      reply.hijack();
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'Content-Disposition': `attachment; filename="${name}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
        // The instant a point-in-time export answers for, as JSON answers say in asOf.
        ...(query.asOf ? { [AS_OF_HEADER]: query.asOf.toISOString() } : {}),
        // Opened after the first page was read: the replica's lag is known by then.
        ...replicaLagHeader(replicaReadsOf(reply.raw)),
      });
      return reply.raw;
    },
  );
}
