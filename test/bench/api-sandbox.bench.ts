import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import {
  argument,
  BenchEnvironment,
  commonOptions,
  DEFINITIONS_DIR,
  positiveInteger,
  progress,
  requirePopulation,
} from './api-environment';
import { CpuMeter, describeCpu, type CpuUse } from './api-processes';

// "Over 1,000,000 customers a one-tag sandbox run takes no longer than a backfill of that tag would":
// the shipped low_risk with the bureau score threshold lowered, (a) tried in the sandbox over the whole
// population, (b) created as a draft version and activated (the backfill run), both timed from the
// POST to the poll that sees `succeeded`; then (c) the shipped version is activated again (a rollback,
// itself a backfill), so the database is as before. Runs on the population `npm run bench:api` loaded:
//   node dist/test/bench/api-sandbox.bench.js [--customers 1000000] [--threshold 620] [--no-restore]
//     [--pool 10] [--database-url postgres://postgres@127.0.0.1:5432/tagforge_bench_api] [--redis-url ...]
// Progress goes to stderr; the last line of stdout is one JSON object.

const TAG_ID = 'low_risk';
const SHIPPED_THRESHOLD = 680;

interface SandboxTagStats {
  tagId: string;
  set: number;
  setBefore: number;
  entered: number;
  left: number;
  changed: number;
}

interface SandboxView {
  tags: SandboxTagStats[];
  segments: { segmentId: string; sizeNow: number; sizeWithDraft: number; entered: number; left: number }[];
  otherDependents: SandboxTagStats[];
}

interface RunView {
  changed: number;
  failed: number;
}

interface Phase {
  seconds: number;
  // created -> finished as the run records it, without the polling interval
  runSeconds: number;
  chunks: number;
  cpu: CpuUse;
}

// The shipped definition with the threshold lowered and the examples dropped (they pin the old
// threshold: "score 650" expects false).
function loweredDefinition(threshold: number): Record<string, unknown> {
  const text = readFileSync(join(DEFINITIONS_DIR, 'tags', `${TAG_ID}.json`), 'utf8');
  const {
    $schema: _schema,
    examples: _examples,
    ...definition
  } = JSON.parse(text) as Record<string, unknown>;
  const rule = JSON.stringify(definition.rule);
  const shipped = `{">=":[{"var":"bureau.score"},${SHIPPED_THRESHOLD}]}`;
  if (!rule.includes(shipped))
    throw new Error(`${TAG_ID}.json no longer compares bureau.score >= ${SHIPPED_THRESHOLD}`);
  return {
    ...definition,
    rule: JSON.parse(rule.replace(shipped, `{">=":[{"var":"bureau.score"},${threshold}]}`)),
  };
}

async function runTimes(db: Pool, runId: string): Promise<{ runSeconds: number; chunks: number }> {
  const { rows } = await db.query<{ seconds: number; chunks: number }>(
    `SELECT extract(epoch FROM r.finished_at - r.created_at)::float8 AS seconds,
            (SELECT count(*)::int FROM evaluation_run_chunk c WHERE c.run_id = r.id) AS chunks
       FROM evaluation_run r WHERE r.id = $1`,
    [runId],
  );
  return { runSeconds: rows[0].seconds, chunks: rows[0].chunks };
}

// Starts a run with `start` (returning its id) and waits for it through `path(id)`.
async function measure(
  environment: BenchEnvironment,
  meter: CpuMeter,
  label: string,
  timeoutMs: number,
  start: () => Promise<string>,
  path: (runId: string) => string,
): Promise<{ runId: string; phase: Phase }> {
  const before = await meter.snapshot();
  const started = performance.now();
  const runId = await start();
  progress(`${label}: run ${runId}`);
  const seconds = await environment.awaitRun(label, path(runId), started, timeoutMs);
  const cpu = CpuMeter.use(before, await meter.snapshot());
  progress(`${label}: succeeded in ${seconds.toFixed(1)} s`);
  return { runId, phase: { seconds, ...(await runTimes(environment.db, runId)), cpu } };
}

function describePhase(label: string, phase: Phase, customers: number): string {
  return (
    `${label}: ${phase.seconds.toFixed(1)} s (run created -> finished ${phase.runSeconds.toFixed(1)} s, ` +
    `${phase.chunks} chunks), ${(customers / phase.seconds).toFixed(0)} customers/s`
  );
}

const fixed = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const common = commonOptions();
  const customers = positiveInteger('--customers', 1_000_000);
  const threshold = Number(argument('--threshold') ?? 620);
  const restore = !process.argv.includes('--no-restore');
  const definition = loweredDefinition(threshold);
  progress(`sandbox vs backfill: ${TAG_ID} with bureau.score >= ${threshold}, ${customers} customers`);
  // The API's start-up sync puts the shipped low_risk back if an earlier run left another version
  // active; the worker runs that activation before anything is measured.
  const environment = await BenchEnvironment.start(common, false);
  try {
    await requirePopulation(environment.db, customers);
    const meter = new CpuMeter(environment.services, environment.db);
    const timeoutMs = Math.max(600_000, customers * 10);
    const shippedVersion = (
      await environment.db.query<{ version: number }>(
        `SELECT version FROM tag_definition WHERE tag_id = $1 AND status = 'active'`,
        [TAG_ID],
      )
    ).rows[0].version;

    const sandbox = await measure(
      environment,
      meter,
      '(a) sandbox',
      timeoutMs,
      async () =>
        (
          await environment.http.expect<{ runId: string }>(202, 'POST', '/v1/sandbox/runs', {
            definitions: [definition],
            population: 'all',
          })
        ).runId,
      (runId) => `/v1/sandbox/runs/${runId}`,
    );
    const view = await environment.http.expect<SandboxView>(200, 'GET', `/v1/sandbox/runs/${sandbox.runId}`);

    const draft = await environment.http.send<{ version: number }>('POST', '/v1/tags', definition);
    if (draft.status !== 201 && draft.status !== 200) {
      throw new Error(`POST /v1/tags answered ${draft.status}: ${JSON.stringify(draft.body)}`);
    }
    const backfill = await measure(
      environment,
      meter,
      '(b) backfill',
      timeoutMs,
      async () =>
        (
          await environment.http.expect<{ runId: string }>(
            202,
            'POST',
            `/v1/tags/${TAG_ID}/versions/${draft.body.version}:activate`,
          )
        ).runId,
      (runId) => `/v1/runs/${runId}`,
    );
    const backfillRun = await environment.http.expect<RunView>(200, 'GET', `/v1/runs/${backfill.runId}`);

    let rollback: { runId: string; phase: Phase } | undefined;
    if (restore) {
      rollback = await measure(
        environment,
        meter,
        '(c) rollback',
        timeoutMs,
        async () =>
          (
            await environment.http.expect<{ runId: string }>(
              202,
              'POST',
              `/v1/tags/${TAG_ID}/versions/${shippedVersion}:activate`,
            )
          ).runId,
        (runId) => `/v1/runs/${runId}`,
      );
    }

    // Every change the sandbox predicts, the backfill must make: the draft's and its dependents'.
    const predicted = [...view.tags, ...view.otherDependents].reduce(
      (sum, tag) => sum + tag.entered + tag.left + tag.changed,
      view.segments.reduce((sum, segment) => sum + segment.entered + segment.left, 0),
    );
    const [draftStats] = view.tags;
    const ratio = sandbox.phase.seconds / backfill.phase.seconds;
    const names = ['api', 'worker'];
    out(
      `sandbox vs backfill: ${customers} customers, ${TAG_ID} bureau.score >= ${SHIPPED_THRESHOLD} -> ${threshold}`,
    );
    out(describePhase('(a) sandbox, population all', sandbox.phase, customers));
    out(`    ${describeCpu(sandbox.phase.cpu, names, 'bench')}`);
    out(
      `    ${TAG_ID}: set ${draftStats.setBefore} -> ${draftStats.set} (+${draftStats.entered} -${draftStats.left}); ` +
        view.segments.map((s) => `${s.segmentId} ${s.sizeNow} -> ${s.sizeWithDraft}`).join(', ') +
        `; ${view.otherDependents.length} other dependents; ${predicted} tag changes predicted`,
    );
    out(describePhase(`(b) backfill, activate ${TAG_ID} v${draft.body.version}`, backfill.phase, customers));
    out(`    ${describeCpu(backfill.phase.cpu, names, 'bench')}`);
    out(`    ${backfillRun.changed} tag changes written, ${backfillRun.failed} rule errors`);
    if (rollback) {
      out(
        describePhase(`(c) rollback, activate ${TAG_ID} v${shippedVersion} again`, rollback.phase, customers),
      );
      out(`    ${describeCpu(rollback.phase.cpu, names, 'bench')}`);
    }
    out(`sandbox/backfill = ${ratio.toFixed(3)} (goal: at most 1)`);
    if (predicted !== backfillRun.changed) {
      progress(
        `warning: the sandbox predicted ${predicted} tag changes, the backfill wrote ${backfillRun.changed}`,
      );
    }
    out(
      JSON.stringify({
        customers,
        threshold,
        sandboxSeconds: fixed(sandbox.phase.seconds, 1),
        backfillSeconds: fixed(backfill.phase.seconds, 1),
        sandboxToBackfill: fixed(ratio, 3),
        rollbackSeconds: rollback ? fixed(rollback.phase.seconds, 1) : null,
        predictedChanges: predicted,
        backfillChanges: backfillRun.changed,
      }),
    );
  } finally {
    await environment.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
