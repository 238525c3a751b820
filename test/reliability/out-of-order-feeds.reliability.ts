import { Deployment } from './support/deployment';
import { describeResult } from './support/http-client';
import {
  SeededRandom,
  WriteTally,
  customerIdOf,
  loadInBatches,
  patchLine,
  profileLine,
  type PatchLine,
} from './support/load';
import { pick } from './support/settings';
import { announce, assertProcessesUp, say } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'out-of-order-feeds';
const CUSTOMERS = pick(500, 2000);
const VERSIONS = 3;
const SECTIONS = ['deposits', 'bureau', 'digital', 'marketing', 'income'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// RFC 7396, written out here so the expectation does not borrow the product's implementation.
function mergePatch(target: Json | undefined, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: { [key: string]: Json } =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function shuffle<T>(items: T[], random: SeededRandom): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// 6. Feeds that arrive out of order and twice: every section of every customer is sent in three
// versions stamped with increasing asOf, all shuffled, a third of them duplicated, in concurrent
// batches; then the whole feed is replayed. The stored profile must be the newest version of every
// section (older stamps are kept out as stale), tags must be those of that profile, and the replay
// must change nothing: no new version, no history row.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;

  afterAll(async () => {
    await deployment?.close();
  });

  test('the newest data wins whatever the arrival order, and a replay changes nothing', async () => {
    announce(
      SCENARIO,
      `${CUSTOMERS} customers x ${SECTIONS.length} sections x ${VERSIONS} asOf versions, shuffled and replayed`,
    );
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const api = await system.startApi();
    await system.startWorker();
    const tally = new WriteTally();
    const random = new SeededRandom(66);

    const expected = new Map<string, Json>();
    const base = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(6, index));
    for (const line of base) expected.set(line.customerId, line.profile as Json);
    await loadInBatches(api.http, base, {
      batchSize: 1000,
      concurrency: 2,
      tally,
      signal: system.stopping.signal,
    });

    const feed: PatchLine[] = [];
    for (let index = 0; index < CUSTOMERS; index += 1) {
      const customerId = customerIdOf(index);
      for (const section of SECTIONS) {
        for (let version = 0; version < VERSIONS; version += 1) {
          // Take a patch of the right section from the generator and stamp it.
          let value: Record<string, Json> | undefined;
          while (!value) value = patchLine(random, index).patch[section] as Record<string, Json> | undefined;
          const asOf = new Date(Date.UTC(2026, 9, 1 + version * 7, 8)).toISOString();
          feed.push({ customerId, patch: { [section]: { ...value, asOf } } });
          // Versions of a section carry the same fields, so the newest one merged wins them all.
          if (version === VERSIONS - 1)
            expected.set(customerId, mergePatch(expected.get(customerId), { [section]: { ...value, asOf } }));
        }
      }
    }
    const duplicates = feed.filter(() => random.next() < 1 / 3);
    const arrival = shuffle([...feed, ...duplicates], random);
    await loadInBatches(api.http, arrival, {
      batchSize: 500,
      concurrency: 3,
      tally,
      signal: system.stopping.signal,
    });
    const first = await waitForConvergence(system, pick(180_000, 600_000), () => assertProcessesUp(system));
    expect(first.converged).toBe(true);
    say(SCENARIO, `feed of ${arrival.length} lines applied and evaluated in ${first.ms} ms`);

    const before = await system.db.query<{ versions: string; events: string }>(
      `SELECT (SELECT sum(version) FROM customer_profile) AS versions, (SELECT count(*) FROM tag_event) AS events`,
    );
    // The same batches again, and once more in another order.
    let replayChanged = 0;
    let replayStale = 0;
    for (const replay of [arrival, shuffle([...arrival], random)]) {
      for (let start = 0; start < replay.length; start += 1000) {
        const result = await api.http.batch(replay.slice(start, start + 1000));
        if (result.status !== 200) throw new Error(`replay batch: ${describeResult(result)}`);
        const body = result.body as {
          ok: number;
          results: { changed?: boolean; staleSections?: unknown[] }[];
        };
        tally.record(result, body.ok);
        replayChanged += body.results.filter((line) => line.changed).length;
        replayStale += body.results.filter((line) => (line.staleSections?.length ?? 0) > 0).length;
      }
    }
    const second = await waitForConvergence(system, 60_000, () => assertProcessesUp(system));
    const after = await system.db.query<{ versions: string; events: string }>(
      `SELECT (SELECT sum(version) FROM customer_profile) AS versions, (SELECT count(*) FROM tag_event) AS events`,
    );

    const report = await checkFinalState(system, { expectedProfiles: expected });
    reportScenario(SCENARIO, tally.accepted, report, {
      feed: `${feed.length} section versions + ${duplicates.length} duplicates, shuffled`,
      replay: `${2 * arrival.length} lines replayed: ${replayChanged} changed a profile, ${replayStale} reported stale sections; versions ${before.rows[0].versions} -> ${after.rows[0].versions}, history rows ${before.rows[0].events} -> ${after.rows[0].events}`,
      writes: tally.describe(),
    });

    expect(tally.failed).toBe(0);
    expect(second.converged).toBe(true);
    expect(replayChanged).toBe(0);
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(report.profileMismatches).toBe(0);
    expect(report.mismatches).toBe(0);
  });
});
