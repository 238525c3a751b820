import { isDeepStrictEqual } from 'node:util';
import { Readable, Writable } from 'node:stream';
import { Queue } from 'bullmq';
import type { Client } from 'pg';
import { tagDigest } from '@tagforge/evaluation';
import { QueueName } from '@tagforge/queue';
import { evaluateCommand } from '../../apps/cli/src/commands/evaluate.command';
import { auth, eventually, type ApiHarness } from './api-harness';

export type TagValues = Record<string, unknown>;

export interface TagRow {
  customer_id: string;
  tag_id: string;
  value: unknown;
  tag_version: number;
  since: Date;
}

export interface TagEventRow {
  customer_id: string;
  tag_id: string;
  seq: string;
  old_value: unknown;
  new_value: unknown;
  profile_version: string;
  cause: string;
  run_id: string | null;
}

// Every customer_tag row, in a stable order: compared whole (values, versions and `since`).
export async function allTagRows(db: Client): Promise<TagRow[]> {
  const { rows } = await db.query<TagRow>(
    `SELECT customer_id, tag_id, value, tag_version, since FROM customer_tag ORDER BY customer_id, tag_id`,
  );
  return rows;
}

export async function tagValues(db: Client, customerIds: readonly string[]): Promise<Map<string, TagValues>> {
  const { rows } = await db.query<{ customer_id: string; tag_id: string; value: unknown }>(
    `SELECT customer_id, tag_id, value FROM customer_tag WHERE customer_id = ANY($1::varchar[])`,
    [customerIds],
  );
  const result = new Map<string, TagValues>(customerIds.map((id) => [id, {}]));
  for (const row of rows) (result.get(row.customer_id) as TagValues)[row.tag_id] = row.value;
  return result;
}

export async function tagEvents(db: Client, customerIds: readonly string[]): Promise<TagEventRow[]> {
  const { rows } = await db.query<TagEventRow>(
    `SELECT customer_id, tag_id, seq, old_value, new_value, profile_version, cause, run_id FROM tag_event
      WHERE customer_id = ANY($1::varchar[]) ORDER BY seq`,
    [customerIds],
  );
  return rows;
}

// Customers whose stored tag digest is not the digest of the tag rows they hold (a writer of
// customer_tag that forgot it), and how many evaluated customers have none.
export async function digestBreaks(db: Client): Promise<{ wrong: string[]; missing: number }> {
  const { rows } = await db.query<{
    customer_id: string;
    tag_digest: string | null;
    tags: [string, unknown][];
  }>(
    `SELECT p.customer_id, p.tag_digest,
            coalesce((SELECT json_agg(json_build_array(t.tag_id, t.value)) FROM customer_tag t
                       WHERE t.customer_id = p.customer_id), '[]') AS tags
       FROM customer_profile p WHERE p.version > 0 AND p.evaluated_version > 0 ORDER BY p.customer_id`,
  );
  return {
    wrong: rows
      .filter((row) => row.tag_digest !== null && row.tag_digest !== tagDigest(new Map(row.tags)))
      .map((row) => row.customer_id),
    missing: rows.filter((row) => row.tag_digest === null).length,
  };
}

export async function countEvents(db: Client): Promise<number> {
  return Number((await db.query('SELECT count(*) FROM tag_event')).rows[0].count);
}

export async function versions(
  db: Client,
  customerIds: readonly string[],
): Promise<Map<string, { version: number; evaluatedVersion: number }>> {
  const { rows } = await db.query<{ customer_id: string; version: string; evaluated_version: string }>(
    `SELECT customer_id, version, evaluated_version FROM customer_profile
      WHERE customer_id = ANY($1::varchar[]) AND version > 0`,
    [customerIds],
  );
  return new Map(
    rows.map((row) => [
      row.customer_id,
      { version: Number(row.version), evaluatedVersion: Number(row.evaluated_version) },
    ]),
  );
}

// The worker has caught up with every write: each stored version has been evaluated.
export async function drained(db: Client, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customer_profile WHERE version > 0 AND evaluated_version <> version`,
    );
    return rows[0].n === 0 ? true : undefined;
  }, timeoutMs);
}

// The stored profiles, as the admin key reads them (every section, bureau included).
export async function readProfiles(
  api: ApiHarness,
  customerIds: readonly string[],
): Promise<{ customerId: string; profile: Record<string, unknown> }[]> {
  const profiles = [];
  for (const customerId of customerIds) {
    const response = await api.http.get(`/v1/customers/${customerId}/profile`).set(auth()).expect(200);
    profiles.push({ customerId, profile: response.body.profile as Record<string, unknown> });
  }
  return profiles;
}

// `tagctl evaluate` over the definitions folder the API activated, in this process.
export async function tagctlEvaluate(
  profiles: readonly { customerId: string; profile: Record<string, unknown> }[],
  now: Date,
): Promise<Map<string, TagValues>> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const input = Readable.from([profiles.map((line) => JSON.stringify(line)).join('\n')]);
  const code = await evaluateCommand(
    { definitions: 'tag-definitions', profiles: '-', now: now.toISOString() },
    { input, stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) },
  );
  if (code !== 0) throw new Error(`tagctl evaluate exited with ${code}: ${stderr}`);
  const summary = `evaluate: ${profiles.length} customers, 0 lines skipped, 0 tag errors`;
  if (!stderr.includes(summary)) throw new Error(`tagctl evaluate reported problems:\n${stderr}`);
  const lines = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { customerId: string; tags: TagValues });
  return new Map(lines.map((line) => [line.customerId, line.tags]));
}

// Replays history per (customer, tag) in seq order from unset; returns one message per break:
// an event whose old value is not the previous new value, an event that changes nothing, or a final
// value that differs from customer_tag.
export function historyBreaks(
  events: readonly TagEventRow[],
  current: ReadonlyMap<string, TagValues>,
): string[] {
  const breaks: string[] = [];
  const folded = new Map<string, TagValues>();
  for (const event of events) {
    const values = folded.get(event.customer_id) ?? {};
    folded.set(event.customer_id, values);
    const previous = values[event.tag_id] ?? null;
    const where = `${event.customer_id}/${event.tag_id} seq ${event.seq} (${event.cause})`;
    if (!isDeepStrictEqual(event.old_value, previous)) {
      breaks.push(
        `${where}: old_value ${JSON.stringify(event.old_value)}, previous new_value ${JSON.stringify(previous)}`,
      );
    }
    if (isDeepStrictEqual(event.old_value, event.new_value)) {
      breaks.push(`${where}: changes nothing (${JSON.stringify(event.new_value)})`);
    }
    if (event.new_value === null) delete values[event.tag_id];
    else values[event.tag_id] = event.new_value;
  }
  for (const [customerId, tags] of current) {
    const replayed = folded.get(customerId) ?? {};
    for (const tagId of new Set([...Object.keys(tags), ...Object.keys(replayed)])) {
      if (!isDeepStrictEqual(tags[tagId] ?? null, replayed[tagId] ?? null)) {
        breaks.push(
          `${customerId}/${tagId}: history ends at ${JSON.stringify(replayed[tagId] ?? null)}, customer_tag holds ${JSON.stringify(tags[tagId] ?? null)}`,
        );
      }
    }
  }
  return breaks;
}

// Tag by tag differences between two evaluations of the same customers ([] when equal).
export function tagDifferences(
  expected: ReadonlyMap<string, TagValues>,
  actual: ReadonlyMap<string, TagValues>,
): string[] {
  const differences: string[] = [];
  for (const customerId of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(customerId);
    const got = actual.get(customerId);
    if (want === undefined || got === undefined) {
      differences.push(`${customerId}: only on one side`);
      continue;
    }
    for (const tagId of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
      if (!isDeepStrictEqual(want[tagId] ?? null, got[tagId] ?? null)) {
        differences.push(
          `${customerId}/${tagId}: expected ${JSON.stringify(want[tagId] ?? null)}, got ${JSON.stringify(got[tagId] ?? null)}`,
        );
      }
    }
  }
  return differences;
}

export async function startRecompute(api: ApiHarness): Promise<string> {
  const started = await api.http.post('/v1/runs').set(auth()).send({ kind: 'recompute' }).expect(202);
  return started.body.runId as string;
}

export async function finishedRun(
  api: ApiHarness,
  runId: string,
): Promise<{ id: string; changed: number; total: number }> {
  const run = await eventually(async () => {
    const view = (await api.http.get(`/v1/runs/${runId}`).set(auth()).expect(200)).body;
    if (view.status === 'failed') throw new Error(`recompute ${view.id} failed: ${view.error}`);
    return view.status === 'succeeded' ? view : undefined;
  }, 30_000);
  return { id: run.id, changed: run.changed, total: run.progress.total };
}

// Removes the queues of the harness's private prefix, with whatever jobs are left in them.
export async function obliterateQueues(api: ApiHarness): Promise<void> {
  for (const name of Object.values(QueueName)) {
    const queue = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 }, prefix: api.queuePrefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}

// Runs every step even when one fails, so a failed test never leaves a connection open that keeps
// jest from exiting; then rethrows the first failure.
export async function closeAll(...steps: (() => Promise<unknown> | undefined)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
