import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import { onProcessExit, sleep } from './child-process';
import type { Deployment } from './deployment';
import { CLI_ENTRY, DEFINITIONS_DIR, WORK_DIR } from './settings';
import type { TagEventRow } from '../../support/equivalence-checks';

const PAGE = 2000;

export interface Convergence {
  converged: boolean;
  ms: number;
  // customers written but not evaluated, and unfinished runs, when the wait ended
  pending: number;
  pendingExamples: string[];
  unfinishedRuns: string[];
}

async function pendingState(db: Pool): Promise<{ pending: number; examples: string[]; runs: string[] }> {
  const pending = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM customer_profile WHERE version > 0 AND version > evaluated_version`,
  );
  const examples = await db.query<{ customer_id: string }>(
    `SELECT customer_id FROM customer_profile WHERE version > 0 AND version > evaluated_version
      ORDER BY updated_at LIMIT 5`,
  );
  const runs = await db.query<{ id: string; status: string; done: number; total: number }>(
    `SELECT id, status, done, total FROM evaluation_run WHERE status IN ('queued', 'running') ORDER BY created_at`,
  );
  return {
    pending: Number(pending.rows[0].n),
    examples: examples.rows.map((row) => row.customer_id),
    runs: runs.rows.map((run) => `${run.id} ${run.status} ${run.done}/${run.total}`),
  };
}

// Waits until every written customer is evaluated and no run is unfinished (twice in a row, a second
// apart), or the time is up. Does not throw on a timeout: what is still pending is a finding.
export async function waitForConvergence(
  deployment: Deployment,
  timeoutMs: number,
  assertAlive: () => void = () => undefined,
): Promise<Convergence> {
  const started = Date.now();
  let quiet = 0;
  let state = { pending: -1, examples: [] as string[], runs: [] as string[] };
  while (Date.now() - started < timeoutMs) {
    assertAlive();
    try {
      state = await pendingState(deployment.db);
    } catch {
      state = { pending: -1, examples: [], runs: [] };
    }
    quiet = state.pending === 0 && state.runs.length === 0 ? quiet + 1 : 0;
    if (quiet >= 2) break;
    await sleep(quiet > 0 ? 1000 : 500);
  }
  return {
    converged: quiet >= 2,
    ms: Date.now() - started,
    pending: state.pending,
    pendingExamples: state.examples,
    unfinishedRuns: state.runs,
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// Where two JSON documents first differ, as `pointer: actual vs expected`.
export function firstDifference(actual: unknown, expected: unknown, pointer = ''): string {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  if (isObject(actual) && isObject(expected)) {
    for (const key of [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort()) {
      if (!isDeepStrictEqual(actual[key], expected[key])) {
        return firstDifference(actual[key], expected[key], `${pointer}/${key}`);
      }
    }
  }
  return `${pointer || '/'}: ${canonical(actual) ?? 'absent'} vs ${canonical(expected) ?? 'absent'}`;
}

// Streams every stored profile (version > 0) to an NDJSON file, in customer-id order.
async function dumpProfiles(
  db: Pool,
  file: string,
  onProfile?: (customerId: string, profile: Record<string, unknown>) => void,
): Promise<string[]> {
  const ids: string[] = [];
  const fd = openSync(file, 'w');
  try {
    let after = '';
    for (;;) {
      const { rows } = await db.query<{ customer_id: string; profile: Record<string, unknown> }>(
        `SELECT customer_id, profile FROM customer_profile WHERE version > 0 AND customer_id > $1
          ORDER BY customer_id LIMIT $2`,
        [after, PAGE],
      );
      for (const row of rows) {
        ids.push(row.customer_id);
        onProfile?.(row.customer_id, row.profile);
        writeSync(fd, `${JSON.stringify({ customerId: row.customer_id, profile: row.profile })}\n`);
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].customer_id;
    }
  } finally {
    closeSync(fd);
  }
  return ids;
}

// `tagctl evaluate` over the dumped profiles: the in-memory reference, one line per customer.
async function referenceTags(profilesFile: string, now: Date): Promise<Map<string, string>> {
  const outputFile = `${profilesFile}.reference.ndjson`;
  const out = openSync(outputFile, 'w');
  const errors: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          CLI_ENTRY,
          'evaluate',
          '--definitions',
          DEFINITIONS_DIR,
          '--profiles',
          profilesFile,
          '--now',
          now.toISOString(),
        ],
        { stdio: ['ignore', out, 'pipe'] },
      );
      const forget = onProcessExit(() => child.kill('SIGKILL'));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
      child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk));
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        forget();
        if (code === 0) resolve();
        else
          reject(
            new Error(`tagctl evaluate exited ${code}: ${Buffer.concat(errors).toString().slice(-2000)}`),
          );
      });
    });
  } finally {
    closeSync(out);
  }
  const stderr = Buffer.concat(errors).toString();
  if (!/ 0 lines skipped, 0 tag errors/.test(stderr)) {
    throw new Error(`tagctl evaluate skipped lines or hit rule errors: ${stderr.slice(-2000)}`);
  }
  const reference = new Map<string, string>();
  for await (const line of createInterface({ input: createReadStream(outputFile), crlfDelay: Infinity })) {
    if (line === '') continue;
    const { customerId, tags } = JSON.parse(line) as { customerId: string; tags: Record<string, unknown> };
    reference.set(customerId, canonical(tags));
  }
  return reference;
}

// Folds one customer's history, tag by tag in seq order: each old_value is the previous new_value
// (nothing before the first), no row repeats a value or a (profile version | run) already recorded,
// and the last new_value is the current value.
function replayProblems(events: readonly TagEventRow[], current: ReadonlyMap<string, unknown>): string[] {
  const problems: string[] = [];
  const byTag = new Map<string, TagEventRow[]>();
  for (const event of events) {
    const list = byTag.get(event.tag_id) ?? [];
    list.push(event);
    byTag.set(event.tag_id, list);
  }
  for (const tagId of new Set([...byTag.keys(), ...current.keys()])) {
    const rows = (byTag.get(tagId) ?? []).sort((a, b) => Number(a.seq) - Number(b.seq));
    let value: unknown = null;
    const seenProfileVersions = new Set<string>();
    const seenRuns = new Set<string>();
    for (const row of rows) {
      if (!isDeepStrictEqual(row.old_value, value)) {
        problems.push(
          `${tagId} seq ${row.seq}: old ${canonical(row.old_value)} but previous new ${canonical(value)}`,
        );
      }
      if (isDeepStrictEqual(row.old_value, row.new_value)) {
        problems.push(`${tagId} seq ${row.seq}: a change from ${canonical(row.old_value)} to itself`);
      }
      // One row per tag per run, and per tag per evaluated profile version.
      const key = row.run_id ?? (row.cause === 'profile' ? row.profile_version : null);
      const seen = row.run_id !== null ? seenRuns : seenProfileVersions;
      const repeated = key !== null && seen.has(key);
      if (key !== null) seen.add(key);
      if (repeated) {
        problems.push(
          `${tagId} seq ${row.seq}: a second row for ${row.run_id ? `run ${row.run_id}` : `profile version ${row.profile_version}`}`,
        );
      }
      value = row.new_value;
    }
    const now = current.has(tagId) ? current.get(tagId) : null;
    if (!isDeepStrictEqual(value, now)) {
      problems.push(`${tagId}: history ends at ${canonical(value)}, current value is ${canonical(now)}`);
    }
  }
  return problems;
}

export interface CheckReport {
  customersChecked: number;
  tagMismatches: number;
  historyMismatches: number;
  profileMismatches: number;
  notEvaluated: number;
  // customers with any problem (the summary's "mismatches")
  mismatches: number;
  historyRows: number;
  examples: string[];
}

// The final state against the reference: current tags equal `tagctl evaluate` on the final profiles
// (exactly), history replays to the current tags, and (when given) the profiles are the expected ones.
export async function checkFinalState(
  deployment: Deployment,
  options: { expectedProfiles?: ReadonlyMap<string, unknown>; label?: string } = {},
): Promise<CheckReport> {
  const label = options.label ?? deployment.scenario;
  const profilesFile = join(WORK_DIR, `${label}.profiles.ndjson`);
  const bad = new Map<string, string>();
  const note = (customerId: string, problem: string) => {
    if (!bad.has(customerId)) bad.set(customerId, problem);
  };
  let profileMismatches = 0;
  const ids = await dumpProfiles(deployment.db, profilesFile, (customerId, profile) => {
    const expected = options.expectedProfiles?.get(customerId);
    // Compared as JSON text: what was sent went through JSON (a -0 arrives as 0).
    if (options.expectedProfiles && canonical(profile) !== canonical(expected)) {
      profileMismatches += 1;
      note(customerId, `stored profile differs from the expected one: ${firstDifference(profile, expected)}`);
    }
  });
  if (options.expectedProfiles) {
    const stored = new Set(ids);
    for (const customerId of options.expectedProfiles.keys()) {
      if (!stored.has(customerId)) {
        profileMismatches += 1;
        note(customerId, 'no stored profile');
      }
    }
  }
  const reference = await referenceTags(profilesFile, new Date());

  const notEvaluated = await deployment.db.query<{ customer_id: string }>(
    `SELECT customer_id FROM customer_profile WHERE version > 0 AND version > evaluated_version`,
  );
  for (const row of notEvaluated.rows) note(row.customer_id, 'written but never evaluated');

  let tagMismatches = 0;
  let historyMismatches = 0;
  let historyRows = 0;
  for (let start = 0; start < ids.length; start += PAGE) {
    const page = ids.slice(start, start + PAGE);
    const tagRows = await deployment.db.query<{ customer_id: string; tag_id: string; value: unknown }>(
      `SELECT customer_id, tag_id, value FROM customer_tag WHERE customer_id = ANY($1::varchar[])`,
      [page],
    );
    const events = await deployment.db.query<TagEventRow>(
      `SELECT customer_id, tag_id, seq, old_value, new_value, profile_version, cause, run_id
         FROM tag_event WHERE customer_id = ANY($1::varchar[])`,
      [page],
    );
    historyRows += events.rows.length;
    const current = new Map<string, Map<string, unknown>>(page.map((id) => [id, new Map()]));
    for (const row of tagRows.rows) current.get(row.customer_id)?.set(row.tag_id, row.value);
    const history = new Map<string, TagEventRow[]>(page.map((id) => [id, []]));
    for (const row of events.rows) history.get(row.customer_id)?.push(row);
    for (const customerId of page) {
      const tags = current.get(customerId)!;
      const actual = canonical(Object.fromEntries(tags));
      const expected = reference.get(customerId);
      if (actual !== expected) {
        tagMismatches += 1;
        note(
          customerId,
          expected === undefined
            ? 'not evaluated by tagctl'
            : `tags differ from the reference at ${firstDifference(Object.fromEntries(tags), JSON.parse(expected))}`,
        );
      }
      const problems = replayProblems(history.get(customerId)!, tags);
      if (problems.length > 0) {
        historyMismatches += 1;
        note(customerId, `history: ${problems.slice(0, 3).join('; ')}`);
      }
    }
  }
  // Tags or history of customers that have no profile at all.
  const orphans = await deployment.db.query<{ customer_id: string }>(
    `SELECT DISTINCT t.customer_id FROM customer_tag t
       LEFT JOIN customer_profile p ON p.customer_id = t.customer_id AND p.version > 0
      WHERE p.customer_id IS NULL LIMIT 100`,
  );
  for (const row of orphans.rows) note(row.customer_id, 'tags without a profile');

  return {
    customersChecked: ids.length,
    tagMismatches,
    historyMismatches,
    profileMismatches,
    notEvaluated: notEvaluated.rows.length,
    mismatches: bad.size,
    historyRows,
    examples: [...bad].slice(0, 5).map(([customerId, problem]) => `${customerId}: ${problem}`),
  };
}

const RESULTS_FILE = join(WORK_DIR, 'results.ndjson');

// The one line each scenario ends with, plus the details under it; also appended to results.ndjson.
export function reportScenario(
  scenario: string,
  writesAccepted: number,
  report: CheckReport,
  details: Record<string, unknown> = {},
): void {
  const line = `RESULT ${scenario}, writes accepted ${writesAccepted}, customers checked ${report.customersChecked}, mismatches ${report.mismatches}`;
  const lines = [line];
  if (report.mismatches > 0) {
    lines.push(
      `  tags ${report.tagMismatches}, history ${report.historyMismatches}, profiles ${report.profileMismatches}, not evaluated ${report.notEvaluated}`,
    );
    for (const example of report.examples) lines.push(`  e.g. ${example.slice(0, 400)}`);
  }
  // Other people's jobs share this machine: the load average says how much of it the scenario had.
  const load = loadavg().map((value) => value.toFixed(1));
  lines.push(`  machine: ${cpus().length} cores, load average ${load.join(' ')} (1, 5, 15 min)`);
  for (const [key, value] of Object.entries(details)) {
    lines.push(`  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  appendFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ scenario, at: new Date().toISOString(), writesAccepted, ...report, details })}\n`,
  );
}
