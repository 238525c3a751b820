import { CHANGES_CURSOR, type FeedPosition } from '@tagforge/serving';
import { Client } from 'pg';
import { sleep } from './support/child-process';
import { Deployment } from './support/deployment';
import type { HttpResult } from './support/http-client';
import {
  SeededRandom,
  WriteTally,
  customerIdOf,
  loadInBatches,
  patchLine,
  profileLine,
  runAtRate,
} from './support/load';
import { PostgresCluster } from './support/postgres-cluster';
import { PostgresReplica } from './support/postgres-replica';
import { pick } from './support/settings';
import { announce, assertProcessesUp, say } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'read-replica';
const CUSTOMERS = pick(2000, 10_000);
const WRITES_PER_SECOND = 200;
const LOAD_MS = pick(20_000, 60_000);
const READS_PER_SECOND = 30;
const LAG_HEADER = 'tagforge-replica-lag';
const AUDIENCE = 'opted_out';

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const after = (a: FeedPosition, b: FeedPosition) =>
  BigInt(a.txid) > BigInt(b.txid) || (a.txid === b.txid && BigInt(a.seq) > BigInt(b.seq));

// 9. Reads from a streaming replica (a hot standby made with pg_basebackup -R, on loopback) while
// 200 profile writes per second go to the primary. Measured: the replica's replay lag (how long a
// commit on the primary takes to become visible on the replica). Checked: every answer read from the
// replica (a customer's tags, lookups, members pages, exports) carries Tagforge-Replica-Lag; the
// changes feed is read from the primary and its cursor never goes backwards; a campaign tool's sync
// loop (head, export from the replica, then changes since head) ends with exactly the primary's
// members; every customer ends equal to `tagctl evaluate`.
describe(SCENARIO, () => {
  let primary: PostgresCluster | undefined;
  let replica: PostgresReplica | undefined;
  let deployment: Deployment | undefined;
  const clients: Client[] = [];

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.end()));
    await deployment?.close();
    await replica?.destroy();
    await primary?.destroy();
  });

  test('replica reads say how stale they are, the feed never goes backwards, the sync loop stays exact', async () => {
    announce(
      SCENARIO,
      `${CUSTOMERS} customers, ${WRITES_PER_SECOND} writes/s for ${LOAD_MS / 1000} s, a hot standby`,
    );
    // Synchronous commit, as in production: a commit is sent to the standby when it is made.
    primary = await PostgresCluster.create({ synchronousCommit: true });
    deployment = await Deployment.create(SCENARIO, { cluster: primary });
    const system = deployment;
    replica = await PostgresReplica.create(primary);
    const standby = replica;
    const api = await system.startApi({ DATABASE_READ_URL: standby.databaseUrl(system.database.name) });
    await system.startWorker();
    const tally = new WriteTally();
    const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(10, index));
    await loadInBatches(api.http, profiles, {
      batchSize: 1000,
      concurrency: 2,
      tally,
      signal: system.stopping.signal,
    });
    expect((await waitForConvergence(system, pick(300_000, 900_000))).converged).toBe(true);

    // The sync loop begins: the feed head (primary), then the whole audience exported (replica).
    const summary = await api.http.get(`/v1/tags/${AUDIENCE}/size`);
    expect(summary.status).toBe(200);
    expect(summary.headers[LAG_HEADER]).toBeUndefined();
    let cursor = (summary.body as { head: string }).head;
    const exported = await api.http.get(`/v1/tags/${AUDIENCE}/members`, {
      accept: 'text/csv',
      timeoutMs: 60_000,
    });
    expect(exported.status).toBe(200);
    expect(exported.headers[LAG_HEADER]).toMatch(/^\d+\.\d{3}$/);
    const members = new Set(
      String(exported.body)
        .trim()
        .split('\n')
        .slice(1)
        .filter((line) => line !== '')
        .map((line) => line.split(',')[0]),
    );
    say(SCENARIO, `exported ${members.size} members of ${AUDIENCE} from the replica`);

    // Replay lag: a position taken on the primary, then the time until the replica has replayed it.
    const primaryDb = new Client({ connectionString: system.database.url });
    const standbyDb = new Client({ connectionString: standby.databaseUrl(system.database.name) });
    // Dropping the database at the end terminates them: not an error of the scenario.
    primaryDb.on('error', () => undefined);
    standbyDb.on('error', () => undefined);
    clients.push(primaryDb, standbyDb);
    await primaryDb.connect();
    await standbyDb.connect();
    const lagsMs: number[] = [];
    const bytesBehind: number[] = [];
    const headers: number[] = [];
    let replicaAnswers = 0;
    let missingHeader = 0;
    let feedPages = 0;
    let feedItems = 0;
    const feedProblems: string[] = [];
    let lastHead: FeedPosition = CHANGES_CURSOR.decode(cursor);
    let stop = false;

    const sampleLag = (async () => {
      while (!stop) {
        const started = Date.now();
        const { rows } = await primaryDb.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
        for (;;) {
          const replayed = await standbyDb.query<{ done: boolean; behind: string }>(
            `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()) AS behind`,
            [rows[0].lsn],
          );
          if (replayed.rows[0].done) break;
          if (lagsMs.length === 0 || bytesBehind.length < lagsMs.length + 1)
            bytesBehind.push(Number(replayed.rows[0].behind));
          await sleep(1);
        }
        lagsMs.push(Date.now() - started);
        await sleep(200);
      }
    })();

    const random = new SeededRandom(100);
    const readRandom = new SeededRandom(101);
    const replicaRead = (result: HttpResult) => {
      if (result.status !== 200) return;
      replicaAnswers += 1;
      const header = result.headers[LAG_HEADER];
      if (typeof header !== 'string') missingHeader += 1;
      else headers.push(Number(header));
    };
    const reads = runAtRate(
      { perSecond: READS_PER_SECOND, durationMs: LOAD_MS, maxInFlight: 4, signal: system.stopping.signal },
      async () => {
        const customerId = customerIdOf(readRandom.int(0, CUSTOMERS - 1));
        switch (readRandom.int(0, 2)) {
          case 0:
            replicaRead(await api.http.get(`/v1/customers/${customerId}/tags`));
            break;
          case 1:
            replicaRead(
              await api.http.post('/v1/customers/tags:lookup', {
                customerIds: [customerId, customerIdOf(readRandom.int(0, CUSTOMERS - 1))],
              }),
            );
            break;
          default:
            replicaRead(await api.http.get(`/v1/tags/${AUDIENCE}/members?limit=100`));
        }
      },
    );
    // The feed, followed from its head as a campaign tool does, every 200 ms.
    const applyPage = (items: { customerId: string; change: string }[]) => {
      for (const item of items) {
        if (item.change === 'entered') members.add(item.customerId);
        else members.delete(item.customerId);
      }
    };
    const followFeed = async (): Promise<number> => {
      const result = await api.http.get(`/v1/tags/${AUDIENCE}/changes?limit=1000&since=${cursor}`);
      if (result.status !== 200) {
        feedProblems.push(`changes: ${result.status}`);
        return 0;
      }
      if (result.headers[LAG_HEADER] !== undefined)
        feedProblems.push('a feed page carried the replica header');
      const page = result.body as {
        items: { customerId: string; change: string; seq: string }[];
        nextCursor: string;
        head: string;
      };
      const from = CHANGES_CURSOR.decode(cursor);
      const next = CHANGES_CURSOR.decode(page.nextCursor);
      const head = CHANGES_CURSOR.decode(page.head);
      if (page.items.length > 0 && !after(next, from))
        feedProblems.push(`cursor went from ${JSON.stringify(from)} to ${JSON.stringify(next)}`);
      if (after(from, next))
        feedProblems.push(`cursor went backwards: ${JSON.stringify(from)} -> ${JSON.stringify(next)}`);
      if (after(lastHead, head))
        feedProblems.push(`head went backwards: ${JSON.stringify(lastHead)} -> ${JSON.stringify(head)}`);
      lastHead = head;
      feedPages += 1;
      feedItems += page.items.length;
      applyPage(page.items);
      cursor = page.nextCursor;
      return page.items.length;
    };
    const feed = (async () => {
      while (!stop) {
        await followFeed();
        await sleep(200);
      }
    })();
    const writes = runAtRate(
      { perSecond: WRITES_PER_SECOND, durationMs: LOAD_MS, maxInFlight: 16, signal: system.stopping.signal },
      async () => {
        const line = patchLine(random, random.int(0, CUSTOMERS - 1));
        tally.record(await api.http.patch(`/v1/customers/${line.customerId}/profile`, line.patch));
      },
    );
    const loadStarted = Date.now();
    const acceptedBefore = tally.accepted;
    await Promise.all([writes, reads]);
    const achieved = (tally.accepted - acceptedBefore) / ((Date.now() - loadStarted) / 1000);
    const converged = await waitForConvergence(system, pick(300_000, 600_000), () =>
      assertProcessesUp(system),
    );
    stop = true;
    await Promise.all([sampleLag, feed]);
    // The rest of the feed, up to where it stands now.
    while ((await followFeed()) > 0);

    const truth = await system.db.query<{ customer_id: string }>(
      `SELECT customer_id FROM customer_tag WHERE tag_id = $1 ORDER BY customer_id`,
      [AUDIENCE],
    );
    const expected = truth.rows.map((row) => row.customer_id);
    const synced = [...members].sort();
    const syncDifference = {
      missing: expected.filter((id) => !members.has(id)).slice(0, 5),
      extra: synced.filter((id) => !expected.includes(id)).slice(0, 5),
    };
    const report = await checkFinalState(system);
    const ms = (value: number) => `${Math.round(value)} ms`;
    reportScenario(SCENARIO, tally.accepted, report, {
      writes: `${tally.describe()}; ${achieved.toFixed(0)} writes/s achieved`,
      replayLag: `${lagsMs.length} samples: p50 ${ms(quantile(lagsMs, 0.5))}, p95 ${ms(quantile(lagsMs, 0.95))}, max ${ms(Math.max(...lagsMs))}; bytes behind when not caught up: p50 ${quantile(bytesBehind, 0.5)}, max ${Math.max(0, ...bytesBehind)}`,
      lagHeader: `${replicaAnswers} replica-served answers, ${missingHeader} without the header; values p50 ${quantile(headers, 0.5)} s, max ${Math.max(...headers)} s`,
      feed: `${feedPages} pages, ${feedItems} changes followed; problems: ${feedProblems.length === 0 ? 'none' : feedProblems.slice(0, 3).join('; ')}`,
      syncLoop: `${synced.length} members after head + replica export + changes, ${expected.length} on the primary; ${JSON.stringify(syncDifference)}`,
      convergence: `${converged.converged ? 'converged' : `NOT converged (${converged.pending} pending)`} in ${converged.ms} ms`,
    });
    expect(replicaAnswers).toBeGreaterThan(0);
    expect(missingHeader).toBe(0);
    expect(feedProblems).toEqual([]);
    expect(synced).toEqual(expected);
    expect(converged.converged).toBe(true);
    expect(report.mismatches).toBe(0);
    expect([...tally.failures.keys()].filter((kind) => kind !== '503')).toEqual([]);
  });
});
