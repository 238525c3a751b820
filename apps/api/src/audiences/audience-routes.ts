import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AudienceRef, AudienceService, ColumnRequest, ExportFormat } from '@tagforge/serving';
import { negotiateExportFormat, startAttachment } from '../http/export-format';
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
  const format = negotiateExportFormat(request, { json: true });
  if (!format) {
    await reply.send(await audiences.members(ref, query, canReadBureau));
    return;
  }
  await streamMembers(
    audiences,
    ref,
    { format, asOf: query.asOf, columns: query.columns },
    canReadBureau,
    reply,
  );
}

// The whole list as CSV or NDJSON, written to the socket page by page with backpressure; saved as a
// file by a browser (Content-Disposition), which is how a one-time download link delivers it.
export async function streamMembers(
  audiences: AudienceService,
  ref: AudienceRef,
  options: { format: ExportFormat; asOf?: Date; columns: ColumnRequest[] },
  canReadBureau: boolean,
  reply: FastifyReply,
): Promise<void> {
  const { format, asOf } = options;
  const name = ref.value === undefined ? ref.id : `${ref.id}-${ref.value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  await audiences.exportMembers(ref, options, canReadBureau, () =>
    startAttachment(reply, format, name, {
      // The instant a point-in-time export answers for, as JSON answers say in asOf.
      ...(asOf ? { [AS_OF_HEADER]: asOf.toISOString() } : {}),
      // Opened after the first page was read: the replica's lag is known by then.
      ...replicaLagHeader(replicaReadsOf(reply.raw)),
    }),
  );
}
