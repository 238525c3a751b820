import type { FastifyReply } from 'fastify';
import type { InsightsService } from '@tagforge/insights';
import type { ExportFormat } from '@tagforge/serving';
import { AS_OF_HEADER } from '../audiences/audience-routes';
import { startAttachment } from '../http/export-format';

// An ad-hoc audience's members streamed as an attachment, for POST /v1/insights/export (with the key)
// and for the one-time link POST /v1/insights/export:link hands out; an export at an instant names it.
export function streamAdHocExport(
  insights: InsightsService,
  reply: FastifyReply,
  rule: unknown,
  options: { asOf?: Date; format: ExportFormat },
): Promise<void> {
  const { asOf, format } = options;
  return insights.exportCount(rule, options, () =>
    startAttachment(reply, format, 'ad-hoc-audience', asOf ? { [AS_OF_HEADER]: asOf.toISOString() } : {}),
  );
}
