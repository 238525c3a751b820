import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes one JSON line per record, waiting for 'drain' when the stream is full; returns the count. */
export async function writeNdjson(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  out: Writable,
): Promise<number> {
  let count = 0;
  for await (const record of records) {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
    count += 1;
  }
  return count;
}
