import fc from 'fast-check';
import { Client } from 'pg';
import { auth, startApi, startWorker, type ApiHarness } from '../support/api-harness';
import {
  allTagRows,
  closeAll,
  drained,
  finishedRun,
  digestBreaks,
  historyBreaks,
  obliterateQueues,
  readProfiles,
  startRecompute,
  tagDifferences,
  tagEvents,
  tagValues,
  tagctlEvaluate,
  versions,
} from '../support/equivalence-checks';
import {
  ProfileClock,
  materialise,
  scenarioArbitrary,
  untilClearOfMidnight,
  type JsonObject,
  type Scenario,
  type WriteSpec,
} from '../support/equivalence-profiles';

// Incremental evaluation (the worker, tags affected by each write) against two references: a full
// recompute run and `tagctl evaluate` on the final profiles; and the history against the tags.
// FC_SEED (with FC_PATH, both printed on failure) replays a failing run; FC_RUNS changes the number
// of runs. Profile dates are relative to the day the test runs, so a replay is the same scenario on
// another day's dates.
const SEED = Number(process.env.FC_SEED ?? 1_764_331_200);
const RUNS = Number(process.env.FC_RUNS ?? 30);
const PATH = process.env.FC_PATH;

interface WriteOutcome {
  customerId: string;
  version: number;
  changed: boolean;
  staleSections: { section: string }[];
}

interface SentWrite {
  mode: WriteSpec['mode'];
  body: JsonObject;
}

// What the generated scenarios reached, so the test can show they exercised the cases it is about.
const coverage = {
  writes: 0,
  unchanged: 0,
  staleSections: 0,
  replays: 0,
  batches: 0,
  parallel: 0,
  recomputes: 0,
};

describe('evaluation pipeline equivalence', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let clock: ProfileClock;
  let runIndex = 0;

  beforeAll(async () => {
    // Date-only rule inputs change value at UTC midnight: keep it out of this file's run.
    await untilClearOfMidnight(4 * 60_000);
    clock = new ProfileClock();
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  }, 6 * 60_000);

  afterAll(() =>
    closeAll(
      () => db?.end(),
      () => worker?.close(),
      () => api && obliterateQueues(api),
      () => api?.close(),
    ),
  );

  const send = async (customerId: string, write: SentWrite): Promise<WriteOutcome> => {
    const url = `/v1/customers/${customerId}/profile`;
    const response =
      write.mode === 'replace'
        ? await api.http.put(url).set(auth()).send(write.body)
        : await api.http
            .patch(url)
            .set({ ...auth(), 'Content-Type': 'application/merge-patch+json' })
            .send(JSON.stringify(write.body));
    if (response.status !== 200) {
      throw new Error(
        `${write.mode} ${customerId} ${JSON.stringify(write.body)}: ${response.status} ${response.text}`,
      );
    }
    return response.body as WriteOutcome;
  };

  const sendBatch = async (lines: { customerId: string; write: SentWrite }[]): Promise<WriteOutcome[]> => {
    const ndjson = lines
      .map(({ customerId, write }) =>
        JSON.stringify(
          write.mode === 'replace' ? { customerId, profile: write.body } : { customerId, patch: write.body },
        ),
      )
      .join('\n');
    const response = await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(ndjson)
      .expect(200);
    const failed = (response.body.results as { status: string }[]).filter((line) => line.status !== 'ok');
    if (failed.length > 0) throw new Error(`batch lines refused: ${JSON.stringify(failed)}`);
    return response.body.results as WriteOutcome[];
  };

  // Runs the scenario's writes, checking each answer: versions go up by one per accepted change, a
  // replayed write changes nothing, and a patch whose every section is stale changes nothing.
  const play = async (
    scenario: Scenario,
    ids: string[],
  ): Promise<{ expectedVersion: Map<string, number>; runs: string[] }> => {
    const runs: string[] = [];
    const expectedVersion = new Map(ids.map((id) => [id, 0]));
    const last = new Map<string, SentWrite>();
    const accept = (customerId: string, write: SentWrite, outcome: WriteOutcome, ordered: boolean) => {
      coverage.writes += 1;
      coverage.staleSections += outcome.staleSections.length;
      if (!outcome.changed) coverage.unchanged += 1;
      const previous = expectedVersion.get(customerId) as number;
      if (ordered) expect(outcome.version).toBe(previous + (outcome.changed ? 1 : 0));
      expectedVersion.set(customerId, previous + (outcome.changed ? 1 : 0));
      if (write.mode === 'merge') {
        const sections = Object.keys(write.body).filter((key) => key !== 'asOf');
        const stale = new Set(outcome.staleSections.map((entry) => entry.section));
        if (sections.length > 0 && sections.every((section) => stale.has(section)))
          expect(outcome.changed).toBe(false);
      }
      // After writes that raced each other, which one came last is unknown: nothing to replay.
      if (ordered) last.set(customerId, write);
      else last.delete(customerId);
    };
    const sent = (spec: WriteSpec): { customerId: string; write: SentWrite } => ({
      customerId: ids[spec.customer],
      write: { mode: spec.mode, body: materialise(spec, clock) },
    });

    const initial = scenario.initial.map((profile, index) => ({
      customerId: ids[index],
      write: { mode: 'replace' as const, body: profile },
    }));
    if (scenario.initialAsBatch) {
      const outcomes = await sendBatch(initial);
      outcomes.forEach((outcome, index) => accept(outcome.customerId, initial[index].write, outcome, true));
    } else {
      for (const line of initial)
        accept(line.customerId, line.write, await send(line.customerId, line.write), true);
    }

    for (const step of scenario.steps) {
      switch (step.kind) {
        case 'write': {
          const { customerId, write } = sent(step.write);
          accept(customerId, write, await send(customerId, write), true);
          break;
        }
        case 'batch': {
          coverage.batches += 1;
          const lines = step.writes.map(sent);
          const outcomes = await sendBatch(lines);
          outcomes.forEach((outcome, index) => accept(outcome.customerId, lines[index].write, outcome, true));
          break;
        }
        case 'parallel': {
          coverage.parallel += 1;
          const lines = step.writes.map(sent);
          const outcomes = await Promise.all(lines.map((line) => send(line.customerId, line.write)));
          outcomes.forEach((outcome, index) =>
            accept(lines[index].customerId, lines[index].write, outcome, false),
          );
          break;
        }
        case 'replay': {
          const customerId = ids[step.customer];
          const write = last.get(customerId);
          if (!write) break;
          coverage.replays += 1;
          const before = expectedVersion.get(customerId);
          const outcome = await send(customerId, write);
          expect(outcome).toMatchObject({ changed: false, version: before });
          accept(customerId, write, outcome, true);
          break;
        }
        case 'recompute':
          coverage.recomputes += 1;
          runs.push(await startRecompute(api));
          break;
      }
    }
    return { expectedVersion, runs };
  };

  it(`tags reached incrementally equal a full recompute and tagctl evaluate, and history replays to them (seed ${SEED})`, async () => {
    const scenarios = scenarioArbitrary(clock, { customers: { min: 2, max: 4 }, steps: { min: 3, max: 8 } });
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        runIndex += 1;
        const ids = scenario.initial.map((_, index) => `eq-${runIndex}-${index}`);
        const { expectedVersion, runs } = await play(scenario, ids);

        // Recomputes started mid-way may change tags (they evaluate pending writes); let them end.
        for (const runId of runs) await finishedRun(api, runId);
        await drained(db);
        const stored = await versions(db, ids);
        for (const id of ids) {
          expect(stored.get(id)).toEqual({
            version: expectedVersion.get(id),
            evaluatedVersion: expectedVersion.get(id),
          });
        }
        const incremental = await tagValues(db, ids);

        // (b) the same catalog evaluated in memory on the profiles as stored
        const reference = await tagctlEvaluate(await readProfiles(api, ids), new Date());
        expect(tagDifferences(reference, incremental)).toEqual([]);

        // (a) a full recompute finds nothing to change, here or for the customers of earlier runs;
        // every writer left each customer a digest of exactly the tags it holds
        expect(await digestBreaks(db)).toEqual({ wrong: [], missing: 0 });
        const before = await allTagRows(db);
        const run = await finishedRun(api, await startRecompute(api));
        expect(run.changed).toBe(0);
        expect(await allTagRows(db)).toEqual(before);

        // (c) history folds to the current tags, with no row that changes nothing
        expect(historyBreaks(await tagEvents(db, ids), incremental)).toEqual([]);
      }),
      // No shrinking: every run costs a second or more against the real services.
      { seed: SEED, numRuns: RUNS, endOnFailure: true, ...(PATH === undefined ? {} : { path: PATH }) },
    );
    // A replay of one case, or a handful of runs, need not reach every case below.
    if (PATH !== undefined || RUNS < 20) return;
    expect(coverage.writes).toBeGreaterThan(RUNS * 4);
    expect(coverage.staleSections).toBeGreaterThan(0);
    expect(coverage.unchanged).toBeGreaterThan(0);
    expect(coverage.replays).toBeGreaterThan(0);
    expect(coverage.batches).toBeGreaterThan(0);
    expect(coverage.parallel).toBeGreaterThan(0);
    expect(coverage.recomputes).toBeGreaterThan(0);
    // Tags were set and removed along the way, not only set once.
    const { rows } = await db.query<{ set: number; unset: number }>(
      `SELECT count(*) FILTER (WHERE old_value IS NULL)::int AS set,
              count(*) FILTER (WHERE new_value IS NULL)::int AS unset
         FROM tag_event WHERE cause = 'profile'`,
    );
    expect(rows[0].set).toBeGreaterThan(0);
    expect(rows[0].unset).toBeGreaterThan(0);
  }, 240_000);

  // The final state of each customer against tagctl, and its history against the final state.
  const expectConsistent = async (ids: string[]) => {
    await drained(db);
    expect([...(await versions(db, ids)).keys()].sort()).toEqual([...ids].sort());
    const current = await tagValues(db, ids);
    const reference = await tagctlEvaluate(await readProfiles(api, ids), new Date());
    expect(tagDifferences(reference, current)).toEqual([]);
    const events = await tagEvents(db, ids);
    expect(historyBreaks(events, current)).toEqual([]);
    return events;
  };

  // Crosses several thresholds at once, differently for each i, so the order of commits matters.
  const racingPatch = (i: number): JsonObject => ({
    deposits: { aum: [400_000, 600_000, 7_000_000][i % 3], balance: i % 2 === 0 ? 500 : 50_000 },
    bureau: { score: 560 + ((i * 37) % 280), inquiries3m: i % 7 },
    cards:
      i % 4 === 0
        ? []
        : [{ status: 'active', utilization: (i % 5) / 5, consecutiveOverdueDays: i % 4, currentDpd: i % 3 }],
    marketing: { optOut: i % 6 === 0, contacts30d: i % 8 },
  });

  it('50 parallel patches to one customer: evaluated at the last version, tags as tagctl, no duplicate history', async () => {
    const id = 'race-1';
    await send(id, { mode: 'replace', body: clock.syntheticProfile(42) });
    await drained(db);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(id, { mode: 'merge', body: racingPatch(i) })),
    );
    // No two patches are alike, so each changes the profile; serialised on the row lock, they take
    // the versions 2 to 51 in some order.
    expect(outcomes.map((outcome) => outcome.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 2),
    );
    const events = await expectConsistent([id]);
    expect((await versions(db, [id])).get(id)).toEqual({ version: 51, evaluatedVersion: 51 });
    // Evaluations never interleave: in seq order, each evaluated a version at least as new as the last.
    const evaluated = events.map((event) => Number(event.profile_version));
    expect(evaluated).toEqual([...evaluated].sort((a, b) => a - b));
    expect(evaluated[0]).toBe(1);
  });

  it('parallel batches over the same customers, lines in different orders, neither deadlock nor diverge', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `race-batch-${i}`);
    // Each batch names the customers in another order; the ingestion locks them sorted.
    const batches = Array.from({ length: 8 }, (_, b) => {
      const order = [...ids.slice(b % 5), ...ids.slice(0, b % 5)];
      return (b % 2 === 0 ? order : order.reverse()).map((customerId, i) => ({
        customerId,
        write: { mode: 'merge' as const, body: racingPatch(b * 5 + i) },
      }));
    });
    const results = await Promise.all(batches.map((lines) => sendBatch(lines)));
    expect(results.flat()).toHaveLength(40);
    await expectConsistent(ids);
  });
});
