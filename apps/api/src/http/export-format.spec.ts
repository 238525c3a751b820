import type { FastifyRequest } from 'fastify';
import { negotiateExportFormat } from './export-format';

const requestWith = (accept?: string) =>
  ({ raw: { headers: accept === undefined ? {} : { accept } } }) as unknown as FastifyRequest;

describe('negotiateExportFormat', () => {
  it('answers JSON pages unless CSV or NDJSON is asked for by name (list routes)', () => {
    const cases: [string | undefined, string | null][] = [
      [undefined, null],
      ['*/*', null],
      ['application/json', null],
      ['text/csv', 'csv'],
      ['application/x-ndjson', 'ndjson'],
      ['application/json;q=0.5, text/csv', 'csv'],
      ['text/csv;q=0.5, application/json', null],
      ['text/csv;q=0.5, application/x-ndjson', 'ndjson'],
      ['text/html', null],
    ];
    for (const [accept, format] of cases) {
      expect([accept, negotiateExportFormat(requestWith(accept), { json: true })]).toEqual([accept, format]);
    }
  });

  it('streams NDJSON unless CSV is preferred (exports)', () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'ndjson'],
      ['*/*', 'ndjson'],
      ['text/csv', 'csv'],
      ['application/x-ndjson;q=0.5, text/csv', 'csv'],
      ['text/csv;q=0.5, application/x-ndjson', 'ndjson'],
      ['application/json', 'ndjson'],
    ];
    for (const [accept, format] of cases) {
      expect([accept, negotiateExportFormat(requestWith(accept), { json: false })]).toEqual([accept, format]);
    }
  });
});
