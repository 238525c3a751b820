import { Client } from 'pg';
import { EvaluationRunRepository } from '@tagforge/persistence';
import { CustomerEvaluationService, RunService } from '@tagforge/pipeline';
import { auth, startApi, type ApiHarness } from '../support/api-harness';
import {
  allTagRows,
  closeAll,
  countEvents,
  digestBreaks,
  historyBreaks,
  obliterateQueues,
  readProfiles,
  tagDifferences,
  tagEvents,
  tagValues,
  tagctlEvaluate,
  versions,
} from '../support/equivalence-checks';
import { ProfileClock, untilClearOfMidnight } from '../support/equivalence-profiles';

// A job or chunk delivered twice, one after the other or at the same time, writes once. No worker
// runs here: the tests deliver evaluations and chunks themselves, as BullMQ would on a redelivery.
describe('duplicate deliveries of evaluations and backfill chunks', () => {
  let api: ApiHarness;
  let db: Client;
  let clock: ProfileClock;
  let evaluation: CustomerEvaluationService;
  let runs: RunService;

  beforeAll(async () => {
    await untilClearOfMidnight(60_000);
    clock = new ProfileClock();
    api = await startApi();
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    evaluation = api.app.get(CustomerEvaluationService);
    runs = api.app.get(RunService);
  }, 3 * 60_000);

  // The jobs the writes enqueued were never consumed: the queues go with the database.
  afterAll(() =>
    closeAll(
      () => db?.end(),
      () => api && obliterateQueues(api),
      () => api?.close(),
    ),
  );

  const put = async (customerId: string, profile: Record<string, unknown>) =>
    (await api.http.put(`/v1/customers/${customerId}/profile`).set(auth()).send(profile).expect(200)).body;
  const patch = async (customerId: string, body: Record<string, unknown>) =>
    (await api.http.patch(`/v1/customers/${customerId}/profile`).set(auth()).send(body).expect(200)).body;

  const snapshot = async () => ({
    tags: await allTagRows(db),
    events: await countEvents(db),
    versions: await db.query(
      `SELECT customer_id, version, evaluated_version, pending_paths FROM customer_profile ORDER BY customer_id`,
    ),
  });

  const expectLikeTagctl = async (ids: string[]) => {
    const current = await tagValues(db, ids);
    const reference = await tagctlEvaluate(await readProfiles(api, ids), new Date());
    expect(tagDifferences(reference, current)).toEqual([]);
    expect(historyBreaks(await tagEvents(db, ids), current)).toEqual([]);
  };

  // One chunk over every customer, and how many customers that is.
  const wholeChunk = async (runId: string) => {
    const { rows } = await db.query<{ last: string; customers: number }>(
      `SELECT max(customer_id) AS last, count(*)::int AS customers FROM customer_profile WHERE version > 0`,
    );
    return {
      chunk: { runId, chunk: 0, afterCustomerId: null, lastCustomerId: rows[0].last, plannedAt: 1 },
      customers: rows[0].customers,
    };
  };

  const runRow = async (runId: string) =>
    (
      await db.query<{ done: number; changed: number }>(
        `SELECT done, changed FROM evaluation_run WHERE id = $1`,
        [runId],
      )
    ).rows[0];

  it('an evaluate job delivered twice evaluates once and writes nothing the second time', async () => {
    const id = 'dup-eval-1';
    await put(id, clock.syntheticProfile(1));
    const eventsBefore = await countEvents(db);

    const first = await evaluation.evaluate(id);
    expect(first).toMatchObject({ customerId: id, evaluated: true, profileVersion: 1, ruleErrors: 0 });
    expect(first.changes).toBeGreaterThan(0);
    expect(await countEvents(db)).toBe(eventsBefore + first.changes);
    const after = await snapshot();

    const second = await evaluation.evaluate(id);
    expect(second).toEqual({
      customerId: id,
      evaluated: false,
      profileVersion: 1,
      changes: 0,
      ruleErrors: 0,
    });
    expect(await snapshot()).toEqual(after);
    await expectLikeTagctl([id]);
  });

  it('an evaluate job delivered twice at the same time evaluates once', async () => {
    const id = 'dup-eval-2';
    await put(id, clock.syntheticProfile(2));
    await evaluation.evaluate(id);
    // Crosses value tiers and the card thresholds, so the evaluation has changes to write.
    await patch(id, {
      deposits: { aum: 6_500_000, balance: 200 },
      cards: [{ status: 'active', utilization: 0.95, consecutiveOverdueDays: 3, currentDpd: 40 }],
    });
    const eventsBefore = await countEvents(db);

    const both = await Promise.all([evaluation.evaluate(id), evaluation.evaluate(id)]);
    expect(both.map((result) => result.evaluated).sort()).toEqual([false, true]);
    const evaluated = both.find((result) => result.evaluated);
    expect(evaluated?.profileVersion).toBe(2);
    expect(evaluated?.changes).toBeGreaterThan(0);
    expect(await countEvents(db)).toBe(eventsBefore + (evaluated?.changes ?? 0));
    expect((await versions(db, [id])).get(id)).toEqual({ version: 2, evaluatedVersion: 2 });
    await expectLikeTagctl([id]);
  });

  it('an evaluation of a customer with no profile does nothing', async () => {
    const before = await snapshot();
    expect(await evaluation.evaluate('dup-nobody')).toEqual({
      customerId: 'dup-nobody',
      evaluated: false,
      profileVersion: null,
      changes: 0,
      ruleErrors: 0,
    });
    expect(await snapshot()).toEqual(before);
  });

  it('a backfill chunk delivered twice writes once and counts once', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `dup-chunk-${i}`);
    for (const [i, id] of ids.entries()) await put(id, clock.syntheticProfile(100 + i));
    const run = await runs.createRecompute('test');
    const { chunk, customers } = await wholeChunk(run.id);
    const eventsBefore = await countEvents(db);

    const first = await runs.runChunk(chunk);
    // Every customer; the six new ones had never been evaluated.
    expect(first.customers).toBe(customers);
    expect(first.changed).toBeGreaterThan(0);
    expect(await countEvents(db)).toBe(eventsBefore + first.changed);
    const after = await snapshot();

    expect(await runs.runChunk(chunk)).toEqual({ customers: 0, changed: 0 });
    expect(await snapshot()).toEqual(after);
    expect(await runRow(run.id)).toEqual({ done: customers, changed: first.changed });

    // The chunk evaluated the whole catalog on the current profiles: no evaluation is pending.
    for (const [, stored] of await versions(db, ids)) expect(stored.evaluatedVersion).toBe(stored.version);
    for (const id of ids) expect((await evaluation.evaluate(id)).evaluated).toBe(false);
    expect(await snapshot()).toEqual(after);
    await expectLikeTagctl(ids);
  });

  it('a backfill chunk delivered twice at the same time writes once and counts once', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `dup-chunk-${i}`);
    for (const [i, id] of ids.entries()) {
      await patch(id, {
        deposits: { aum: [50_000, 700_000, 7_000_000][i % 3] },
        bureau: { score: 560 + i * 50 },
        marketing: { optOut: i % 2 === 0 },
      });
    }
    const run = await runs.createRecompute('test');
    const { chunk, customers } = await wholeChunk(run.id);
    const eventsBefore = await countEvents(db);

    const both = await Promise.all([runs.runChunk(chunk), runs.runChunk(chunk)]);
    const changed = both[0].changed + both[1].changed;
    expect(changed).toBeGreaterThan(0);
    // One delivery wrote the changes; the other found nothing left to change.
    expect(Math.min(both[0].changed, both[1].changed)).toBe(0);
    expect(await countEvents(db)).toBe(eventsBefore + changed);
    expect(await runRow(run.id)).toEqual({ done: customers, changed });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tag_event WHERE run_id = $1`,
      [run.id],
    );
    expect(rows[0].n).toBe(changed);
    await expectLikeTagctl(ids);
  });

  it('a recompute settles a customer whose tags match its digest without locking or writing its row; an unknown or stale digest goes the long way', async () => {
    const ids = ['dig-1', 'dig-2', 'dig-3'];
    for (const [i, id] of ids.entries()) {
      await put(id, clock.syntheticProfile(300 + i));
      await evaluation.evaluate(id);
    }
    expect(await digestBreaks(db)).toEqual({ wrong: [], missing: 0 });
    const [settled, unknown, stale] = ids;
    const { rows: dropped } = await db.query<{ tag_id: string }>(
      `DELETE FROM customer_tag WHERE (customer_id, tag_id) =
         (SELECT customer_id, tag_id FROM customer_tag WHERE customer_id = $1 ORDER BY tag_id LIMIT 1)
       RETURNING tag_id`,
      [unknown],
    );
    await db.query(`UPDATE customer_profile SET tag_digest = NULL WHERE customer_id = $1`, [unknown]);
    await db.query(`UPDATE customer_profile SET tag_digest = 'stale' WHERE customer_id = $1`, [stale]);
    // xmax changes when a row is locked, xmin when it is written.
    const rowVersions = async () =>
      new Map(
        (
          await db.query<{ customer_id: string; row: string }>(
            `SELECT customer_id, xmin::text || '/' || xmax::text AS row FROM customer_profile
              WHERE customer_id = ANY($1::varchar[])`,
            [ids],
          )
        ).rows.map((row) => [row.customer_id, row.row]),
      );
    const before = await rowVersions();

    const run = await runs.createRecompute('test');
    const { chunk, customers } = await wholeChunk(run.id);
    const result = await runs.runChunk(chunk);
    expect(result).toMatchObject({ customers, changed: 1, ruleErrors: {} });

    const after = await rowVersions();
    expect(after.get(settled)).toBe(before.get(settled));
    expect(after.get(unknown)).not.toBe(before.get(unknown));
    expect(after.get(stale)).not.toBe(before.get(stale));
    const { rows: restored } = await db.query<{ customer_id: string; tag_id: string; old_value: unknown }>(
      `SELECT customer_id, tag_id, old_value FROM tag_event WHERE run_id = $1`,
      [run.id],
    );
    expect(restored).toEqual([{ customer_id: unknown, tag_id: dropped[0].tag_id, old_value: null }]);
    expect(await digestBreaks(db)).toEqual({ wrong: [], missing: 0 });
    // (The history of `unknown` has a gap: its row was deleted behind history's back above.)
    const reference = await tagctlEvaluate(await readProfiles(api, ids), new Date());
    expect(tagDifferences(reference, await tagValues(db, ids))).toEqual([]);
  });

  it('a recompute in small keyset chunks, each delivered twice, evaluates every customer exactly once', async () => {
    // Ids whose byte order and punctuation put chunk boundaries in awkward places.
    const ids = ['dup-k:A', 'dup-k-a', 'dup-k.b', 'dup-k_C', 'dup-k-10', 'dup-k-9', 'dup-k:z'];
    for (const [i, id] of ids.entries()) await put(id, clock.syntheticProfile(200 + i));
    const run = await runs.createRecompute('test');
    const { ranges, total } = await api.app.get(EvaluationRunRepository).chunkRanges(3);
    expect(ranges.length).toBeGreaterThan(2);

    let customers = 0;
    let changed = 0;
    for (const range of ranges) {
      const first = await runs.runChunk({ runId: run.id, ...range, plannedAt: 1 });
      expect(await runs.runChunk({ runId: run.id, ...range, plannedAt: 1 })).toEqual({
        customers: 0,
        changed: 0,
      });
      customers += first.customers;
      changed += first.changed;
    }
    expect(customers).toBe(total);
    expect(await runRow(run.id)).toEqual({ done: total, changed });
    const { rows } = await db.query<{ customer_id: string; n: number }>(
      `SELECT customer_id, count(*)::int AS n FROM tag_event WHERE run_id = $1 AND customer_id = ANY($2::varchar[])
        GROUP BY customer_id`,
      [run.id, ids],
    );
    // Each new customer was backfilled by exactly one chunk (no gaps, no overlaps).
    expect(rows.map((row) => row.customer_id).sort()).toEqual([...ids].sort());
    for (const [, stored] of await versions(db, ids)) expect(stored.evaluatedVersion).toBe(stored.version);
    await expectLikeTagctl(ids);
  });
});
