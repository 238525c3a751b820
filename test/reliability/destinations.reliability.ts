import { WebhookReceiver, type Answer } from '../bench/destinations-receiver';
import { sleep } from './support/child-process';
import { Deployment, type WorkerProcess } from './support/deployment';
import { runAtRate } from './support/load';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORK_DIR, pick } from './support/settings';
import { announce, assertProcessesUp, say, waitFor } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'destinations';
const CUSTOMERS = pick(200, 1000);
const WRITES_PER_SECOND = pick(40, 100);
// The outage is 60 s; the short form takes the receiver down for 15 s (same path, less wait).
const DOWN_MS = pick(15_000, 60_000);
const EVERY_THIRD_MS = pick(10_000, 30_000);
const TAG = 'gambling_spend';
const ALLOWED = { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' };
// Retries come within 2 s once the receiver is back (the default cap is an hour).
const WORKER = {
  ...ALLOWED,
  DESTINATION_BACKOFF_BASE_MS: '200',
  DESTINATION_BACKOFF_MAX_MS: '2000',
  DESTINATION_TIMEOUT_MS: '3000',
  DESTINATION_DISABLE_AFTER_FAILURES: '10000',
};

interface Change {
  idempotencyKey: string;
  customerId: string;
  change: 'entered' | 'exited';
}

// 8. A destination following one audience while profile writes flip it: the receiver down (then
// back on the same port), answering 500 to every third request, the worker SIGKILLed while a batch
// is in flight (and restarted), and Redis flushed. Every change in the history reaches the receiver
// at least once (by idempotency key), in order per customer, and folding the received changes gives
// exactly the audience's membership.
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;
  let receiver: WebhookReceiver | undefined;

  afterAll(async () => {
    await receiver?.close().catch(() => undefined);
    await deployment?.close();
  });

  test('every change is delivered at least once, in order per customer, through four faults', async () => {
    announce(
      SCENARIO,
      `${CUSTOMERS} customers, ${WRITES_PER_SECOND} writes/s; receiver down, 500s, worker kill, FLUSHALL`,
    );
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const api = await system.startApi(ALLOWED);
    const worker: WorkerProcess = await system.startWorker(WORKER);
    expect((await waitForConvergence(system, 60_000)).converged).toBe(true);
    let mode: 'up' | 'third' | 'slow' = 'up';
    const behaviour = (index: number): Answer => {
      if (mode === 'third') return index % 3 === 2 ? { status: 500 } : { status: 200 };
      if (mode === 'slow') return { status: 200, delayMs: 400 };
      return { status: 200 };
    };
    receiver = await WebhookReceiver.start(behaviour);
    const port = Number(new URL(receiver.url).port);
    const created = await api.http.post('/v1/destinations', {
      name: 'reliability',
      url: receiver.url,
      audiences: [TAG],
      batch: { maxEvents: 50 },
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    receiver.secrets = [secret];
    // Every receiver instance, in order: the first one's deliveries came before the outage.
    const instances: WebhookReceiver[] = [receiver];
    const allEvents = () => instances.flatMap((instance) => instance.events() as unknown as Change[]);

    const versions = new Array<number>(CUSTOMERS).fill(0);
    let accepted = 0;
    let refused = 0;
    const write = async (index: number) => {
      const customer = index % CUSTOMERS;
      const version = (versions[customer] += 1);
      const result = await api.http.patch(`/v1/customers/REL-D-${customer}/profile`, {
        transactions: { spendByCategory30d: { gambling: version % 2 === 1 ? version : 0 } },
      });
      if (result.status === 200) accepted += 1;
      else refused += 1;
    };
    const stream = (ms: number) =>
      runAtRate(
        { perSecond: WRITES_PER_SECOND, durationMs: ms, maxInFlight: 16, signal: system.stopping.signal },
        write,
      );
    const findings: Record<string, unknown> = {};

    // Every change of the audience in the history so far, in feed order.
    const history = async () =>
      (
        await system.db.query<{ seq: string; customer_id: string; entered: boolean }>(
          `SELECT seq::text AS seq, customer_id, new_value IS NOT NULL AS entered FROM tag_event
            WHERE tag_id = $1 AND (old_value IS NOT NULL) <> (new_value IS NOT NULL) ORDER BY txid, seq`,
          [TAG],
        )
      ).rows;
    const delivered = () => new Set(allEvents().map((e) => e.idempotencyKey));
    // How long until every change committed before `since` has arrived (the load goes on meanwhile).
    const catchUp = async (keys: Set<string>, since: number): Promise<number | null> => {
      try {
        return await waitFor('backlog delivered', 120_000, async () => {
          const seen = delivered();
          return [...keys].every((key) => seen.has(key)) ? Date.now() - since : undefined;
        });
      } catch {
        return null;
      }
    };

    // 1. Receiver down, then back on the same port.
    await stream(3000);
    await receiver.close();
    say(SCENARIO, `receiver down for ${DOWN_MS / 1000} s`);
    await stream(DOWN_MS);
    const backlog = new Set((await history()).map((row) => `evt_${row.seq}`));
    receiver = await WebhookReceiver.start(behaviour, port);
    const backAt = Date.now();
    receiver.secrets = [secret];
    instances.push(receiver);
    say(SCENARIO, `receiver back; ${backlog.size} changes in the history so far`);
    const outageCaughtUp = catchUp(backlog, backAt);
    // 2. 500 on every third request.
    mode = 'third';
    await stream(EVERY_THIRD_MS);
    mode = 'up';
    // 3. The worker SIGKILLed while a batch is in flight (the receiver answers slowly meanwhile).
    mode = 'slow';
    const load = stream(8000);
    await waitFor(
      'a batch in flight',
      30_000,
      async () => (receiver!.received.some((entry) => entry.answered === null) ? true : undefined),
      50,
    );
    await worker.process.kill('SIGKILL');
    say(SCENARIO, 'worker SIGKILLed with a batch in flight');
    await system.startWorker(WORKER);
    await load;
    mode = 'up';
    // 4. Redis flushed during the stream.
    const flushLoad = stream(6000);
    await sleep(2000);
    await system.redis.flushAll();
    say(SCENARIO, 'FLUSHALL');
    await flushLoad;
    const loadEnded = Date.now();
    assertProcessesUp(system);
    expect((await waitForConvergence(system, 60_000)).converged).toBe(true);

    // Every change of the audience since the destination was created, in feed order.
    const expected = new Set((await history()).map((row) => `evt_${row.seq}`));
    const finalCatchUpMs = await catchUp(expected, loadEnded);
    const caughtUp = finalCatchUpMs !== null;
    const outageCatchUpMs = await outageCaughtUp;
    const received = allEvents();
    const missing = [...expected].filter((key) => !delivered().has(key));
    // Per customer, first receipt of each change: seq increases and entered/exited alternate.
    const firstSeen = new Set<string>();
    const lastSeq = new Map<string, bigint>();
    const member = new Map<string, boolean>();
    let outOfOrder = 0;
    for (const event of received) {
      if (firstSeen.has(event.idempotencyKey)) continue;
      firstSeen.add(event.idempotencyKey);
      const seq = BigInt(event.idempotencyKey.slice(4));
      if ((lastSeq.get(event.customerId) ?? -1n) >= seq) outOfOrder += 1;
      if ((member.get(event.customerId) ?? false) === (event.change === 'entered')) outOfOrder += 1;
      lastSeq.set(event.customerId, seq);
      member.set(event.customerId, event.change === 'entered');
    }
    const { rows: live } = await system.db.query<{ customer_id: string }>(
      `SELECT customer_id FROM customer_tag WHERE tag_id = $1`,
      [TAG],
    );
    const liveSet = new Set(live.map((row) => row.customer_id));
    const replayed = new Set([...member].filter(([, inside]) => inside).map(([customerId]) => customerId));
    const membershipMismatches =
      [...liveSet].filter((c) => !replayed.has(c)).length +
      [...replayed].filter((c) => !liveSet.has(c)).length;
    const requests = instances.reduce((sum, instance) => sum + instance.received.length, 0);
    const duplicates = received.length - firstSeen.size;
    const view = (await api.http.get(`/v1/destinations/${id}`)).body as {
      status: string;
      consecutiveFailures: number;
    };
    findings.delivery =
      `${expected.size} changes in the history, ${firstSeen.size} received (${duplicates} again), ${missing.length} missing, ` +
      `${outOfOrder} out of order, membership mismatches ${membershipMismatches}; ${requests} requests; destination ${view.status}`;
    const seconds = (ms: number | null) => (ms === null ? 'not within 120 s' : `${(ms / 1000).toFixed(1)} s`);
    findings.catchUp =
      `the ${backlog.size} changes committed before the receiver came back all received ${seconds(outageCatchUpMs)} after it did; ` +
      `every change received ${seconds(finalCatchUpMs)} after the load ended`;
    say(SCENARIO, String(findings.delivery));
    say(SCENARIO, String(findings.catchUp));

    // What was sent and what arrived, for a look when something is missing.
    const { rows: attempts } = await system.db.query(
      `SELECT id, webhook_id, from_txid, from_seq, to_txid, to_seq, events, attempt, outcome, status_code, error, at
         FROM destination_delivery ORDER BY id`,
    );
    writeFileSync(
      join(WORK_DIR, `${SCENARIO}.deliveries.json`),
      JSON.stringify(
        {
          attempts,
          received: instances.map((instance, index) =>
            instance.received.map((entry) => ({
              instance: index,
              webhookId: entry.webhookId,
              verified: entry.verified,
              answered: entry.answered,
              receivedAt: entry.receivedAt,
              keys: ((entry.payload as { events?: Change[] } | null)?.events ?? []).map(
                (e) => e.idempotencyKey,
              ),
            })),
          ),
          missing,
        },
        null,
        1,
      ),
    );
    // Each fault did happen: attempts got no answer while the receiver was down, 500s were answered.
    const unanswered = attempts.filter(
      (row: { status_code: number | null }) => row.status_code === null,
    ).length;
    const fiveHundreds = instances.reduce(
      (sum, instance) => sum + instance.received.filter((entry) => entry.answered === 500).length,
      0,
    );
    findings.faults = `${unanswered} attempts refused or unanswered (the receiver down), ${fiveHundreds} answered 500`;
    const report = await checkFinalState(system);
    reportScenario(SCENARIO, accepted, report, {
      ...findings,
      writes: `${accepted} accepted, ${refused} refused`,
    });
    expect(refused).toBe(0);
    expect(unanswered).toBeGreaterThan(0);
    expect(fiveHundreds).toBeGreaterThan(0);
    expect(caughtUp).toBe(true);
    expect(outageCatchUpMs).not.toBeNull();
    expect(missing).toEqual([]);
    expect(outOfOrder).toBe(0);
    expect(membershipMismatches).toBe(0);
    expect(view.status).toBe('active');
    expect(report.mismatches).toBe(0);
  });
});
