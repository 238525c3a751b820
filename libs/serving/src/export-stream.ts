import { once } from 'node:events';
import type { Writable } from 'node:stream';

export type ExportFormat = 'csv' | 'ndjson';

/**
 * Streams a keyset-paged list with backpressure, page by page, so memory stays flat for any size:
 * `next(after)` reads the page after a position, `line` turns an item into its CSV or NDJSON line and
 * `position` into the position after it. The first page is read before `open()` gives the stream, so
 * an error there is still a JSON answer and headers (a replica's lag) can still be set. Stops as soon
 * as the client goes away.
 */
export async function streamPages<T>(
  open: () => Writable,
  pageSize: number,
  header: string | null,
  next: (after: string | null) => Promise<T[]>,
  line: (item: T) => string,
  position: (item: T) => string,
): Promise<void> {
  let page = await next(null);
  const out = open();
  if (header !== null) out.write(header);
  for (;;) {
    if (out.destroyed) return;
    let chunk = '';
    for (const item of page) chunk += line(item);
    if (chunk !== '' && !out.write(chunk)) {
      await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }
    if (page.length < pageSize || out.destroyed) break;
    page = await next(position(page[page.length - 1]));
  }
  if (!out.destroyed) out.end();
}

// RFC 4180: quoted when it holds a comma, quote or line break.
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
