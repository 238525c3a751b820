import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { ApiKeyService } from '@tagforge/auth';
import {
  FAST_RETRIES,
  LOOPBACK_RECEIVERS,
  Receivers,
  type WebhookReceiver,
} from '../bench/destinations-receiver';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const ALLOWED = LOOPBACK_RECEIVERS;
const WORKER = { ...FAST_RETRIES, DESTINATION_DISABLE_AFTER_FAILURES: '3' };
const EVENTUAL_MS = 15_000;

interface Event {
  idempotencyKey: string;
  customerId: string;
  audience: string;
  change: string;
  profileVersion: string;
  explanation?: string | null;
  values?: Record<string, unknown>;
}

describe('destinations: signed webhooks from the history', () => {
  let api: ApiHarness;
  let worker: { close: () => Promise<void> };
  let db: Client;
  const receivers = new Receivers();
  const create = async (at: WebhookReceiver, body: Record<string, unknown>, key?: string) => {
    const response = await api.http
      .post('/v1/destinations')
      .set(auth(key))
      .send({ name: 'receiver', url: at.url, ...body });
    if (response.status === 201) at.secrets = [response.body.secret as string];
    return response;
  };
  const write = (customerId: string, profile: Record<string, unknown>) =>
    api.http.patch(`/v1/customers/${customerId}/profile`).set(auth()).send(profile).expect(200);
  const gambling = (customerId: string, amount: number) =>
    write(customerId, { transactions: { spendByCategory30d: { gambling: amount } } });

  beforeAll(async () => {
    api = await startApi(ALLOWED);
    worker = await startWorker(api, WORKER);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
    await receivers.closeAll();
  });

  it('sends an early-warning alert a receiver verifies with the Standard Webhooks library, saying why in words', async () => {
    const officer = await receivers.start();
    const created = await create(officer, { audiences: 'early_warning', events: ['entered'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body).toMatchObject({ audiences: 'early_warning', status: 'active', riskUse: false });
    const shown = await api.http.get(`/v1/destinations/${created.body.id}`).set(auth()).expect(200);
    expect(JSON.stringify(shown.body)).not.toContain(created.body.secret);
    const list = await api.http.get('/v1/destinations').set(auth()).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    const written = Date.now();
    await write('EW-1', {
      cards: [{ consecutiveOverdueDays: 3 }],
      loans: [{ type: 'consumer', status: 'active' }],
    });
    const events = await eventually(async () => {
      const found = officer.events() as unknown as Event[];
      return found.some((e) => e.audience === 'card_overdue_3_consecutive_days') &&
        found.some((e) => e.audience === 'early_warning_watchlist')
        ? found
        : undefined;
    }, 30_000);
    const first = officer.received.find((entry) => entry.verified)!;
    expect(first.receivedAt - written).toBeLessThan(5000);
    // Any Standard Webhooks library verifies it: here the reference one, as the receiver would.
    expect(
      new Webhook(created.body.secret).verify(first.body, {
        'webhook-id': first.webhookId,
        'webhook-timestamp': first.timestamp,
        'webhook-signature': first.signature,
      }),
    ).toBeTruthy();
    const overdue = events.find((e) => e.audience === 'card_overdue_3_consecutive_days')!;
    expect(overdue).toMatchObject({ customerId: 'EW-1', change: 'entered', profileVersion: '1' });
    expect(overdue.idempotencyKey).toMatch(/^evt_\d+$/);
    expect(overdue.explanation).toMatch(/overdue/i);
    expect(JSON.stringify(events)).not.toContain('consecutiveOverdueDays":3');
    expect((officer.batches()[0] as { type: string }).type).toBe('early_warning.signals');
  });

  it(
    'retries a failing receiver with the same webhook-id, logs every attempt, and delivers in order',
    async () => {
      const flaky = await receivers.start((index) => (index < 2 ? { status: 503 } : { status: 200 }));
      const created = await create(flaky, { audiences: ['gambling_spend'], columns: ['early_warning'] });
      expect(created.status).toBe(201);
      await gambling('RT-1', 100);
      await eventually(async () => (flaky.events().length >= 1 ? true : undefined), EVENTUAL_MS);
      const ids = flaky.received.map((entry) => entry.webhookId);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(1);
      const [event] = flaky.events() as unknown as Event[];
      expect(event).toMatchObject({ customerId: 'RT-1', audience: 'gambling_spend', change: 'entered' });
      expect(event.values).toEqual({ early_warning: true });

      // Each write is evaluated before the next: two writes of one customer before the worker takes
      // the first up are evaluated once, on the latest profile (bursts coalesce, see the next test),
      // and an exit followed at once by a re-entry would leave no change to deliver.
      const received = (count: number) =>
        eventually(async () => {
          const seen = (flaky.events() as unknown as Event[]).filter((e) => e.customerId === 'RT-1');
          return seen.length >= count ? seen : undefined;
        }, EVENTUAL_MS);
      await gambling('RT-1', 0);
      await received(2);
      await gambling('RT-1', 50);
      const changes = await received(3);
      expect(changes.map((e) => e.change)).toEqual(['entered', 'exited', 'entered']);

      const log = await api.http
        .get(`/v1/destinations/${created.body.id}/deliveries`)
        .set(auth())
        .expect(200);
      const outcomes = (
        log.body.items as { outcome: string; attempt: number; statusCode: number }[]
      ).reverse();
      expect(outcomes.slice(0, 3).map((row) => [row.outcome, row.statusCode])).toEqual([
        ['failed', 503],
        ['failed', 503],
        ['delivered', 200],
      ]);
      expect(outcomes.slice(0, 2).map((row) => row.attempt)).toEqual([1, 2]);
    },
    3 * EVENTUAL_MS,
  );

  it('delivers the end state of a burst of writes the worker evaluates once, with no flicker', async () => {
    const target = await receivers.start();
    expect((await create(target, { audiences: ['gambling_spend'] })).status).toBe(201);
    await gambling('BU-1', 100);
    await eventually(async () => (target.events().some((e) => e.customerId === 'BU-1') ? true : undefined));
    // No worker takes jobs while the three writes land: one evaluation job waits for the customer.
    await worker.close();
    await gambling('BU-1', 0);
    await gambling('BU-1', 70);
    await gambling('BU-1', 80);
    worker = await startWorker(api, WORKER);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT evaluated_version = version AS done FROM customer_profile WHERE customer_id = 'BU-1'`,
      );
      return rows[0]?.done === true ? true : undefined;
    }, EVENTUAL_MS);
    // The latest profile is still in the audience: the exit and re-entry in between were never a change.
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM tag_event WHERE customer_id = 'BU-1' AND tag_id = 'gambling_spend'`,
    );
    expect(rows[0].n).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(
      target
        .events()
        .filter((e) => e.customerId === 'BU-1')
        .map((e) => e.change),
    ).toEqual(['entered']);
  });

  it('keeps delivering to a receiver that answers while another hangs', async () => {
    const hanging = await receivers.start(() => ({ status: 200, hang: true }));
    const answering = await receivers.start();
    expect((await create(hanging, { audiences: ['gambling_spend'] })).status).toBe(201);
    expect((await create(answering, { audiences: ['gambling_spend'] })).status).toBe(201);
    for (let index = 0; index < 5; index += 1) {
      await gambling(`ISO-${index}`, 100 + index);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const delivered = await eventually(async () => {
      const seen = answering.events().filter((e) => String(e.customerId).startsWith('ISO-'));
      return seen.length >= 5 ? seen : undefined;
    }, 10_000);
    expect(delivered).toHaveLength(5);
    // The hanging receiver got the first batch and is still holding it (its 3 s timeout, then retries).
    expect(hanging.received.length).toBeGreaterThanOrEqual(1);
    expect(hanging.received.every((entry) => entry.answered === null)).toBe(true);
  });

  it('dead-letters a 4xx with the response, moves on, and disables after consecutive failures with an audit row', async () => {
    const refusing = await receivers.start(() => ({ status: 422, body: 'unknown customer schema' }));
    const created = await create(refusing, { audiences: ['gambling_spend'], batch: { maxEvents: 1 } });
    const id = created.body.id as string;
    for (let index = 0; index < 3; index += 1) await gambling(`DL-${index}`, 10);
    const disabled = await eventually(async () => {
      const view = await api.http.get(`/v1/destinations/${id}`).set(auth()).expect(200);
      return view.body.status === 'disabled' ? view.body : undefined;
    }, 30_000);
    expect(disabled.statusReason).toMatch(/3 consecutive failed attempts/);
    const letters = await api.http.get(`/v1/destinations/${id}/dead-letters`).set(auth()).expect(200);
    expect(letters.body.items.length).toBeGreaterThanOrEqual(3);
    expect(letters.body.items[0]).toMatchObject({
      statusCode: 422,
      responseBody: 'unknown customer schema',
      events: 1,
    });
    const audit = await api.http.get('/v1/audit?entity=destination').set(auth()).expect(200);
    expect(audit.body.items.map((row: { action: string }) => row.action)).toContain('destination.disable');
    // Each batch was tried once: a 422 is not retried.
    expect(new Set(refusing.received.map((entry) => entry.webhookId)).size).toBe(refusing.received.length);
  });

  it('pauses, resumes with nothing lost, pings, rotates its secret with an overlap and replays from an instant', async () => {
    const target = await receivers.start();
    const created = await create(target, { audiences: ['gambling_spend'] });
    const id = created.body.id as string;
    const before = new Date().toISOString();
    await api.http.post(`/v1/destinations/${id}:pause`).set(auth()).expect(200);
    await gambling('PR-1', 5);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(target.events().filter((e) => e.customerId === 'PR-1')).toEqual([]);
    const resumed = await api.http.post(`/v1/destinations/${id}:resume`).set(auth()).expect(200);
    expect(resumed.body.status).toBe('active');
    const first = await eventually(async () => {
      const seen = target.events().filter((e) => e.customerId === 'PR-1');
      return seen.length >= 1 ? seen[0] : undefined;
    }, 30_000);

    const ping = await api.http.post(`/v1/destinations/${id}:test`).set(auth()).expect(200);
    expect(ping.body).toMatchObject({ ok: true, statusCode: 200 });
    const pinged = target.received.find((entry) => entry.webhookId === ping.body.webhookId)!;
    expect(pinged.verified).toBe(true);
    expect(pinged.payload).toMatchObject({ type: 'ping', destinationId: id });

    const rotated = await api.http
      .post(`/v1/destinations/${id}:rotate-secret`)
      .set(auth())
      .send({ overlapSeconds: 3600 })
      .expect(200);
    const ping2 = await api.http.post(`/v1/destinations/${id}:test`).set(auth()).expect(200);
    const signed = target.received.find((entry) => entry.webhookId === ping2.body.webhookId)!;
    const headers = {
      'webhook-id': signed.webhookId,
      'webhook-timestamp': signed.timestamp,
      'webhook-signature': signed.signature,
    };
    expect(new Webhook(rotated.body.secret).verify(signed.body, headers)).toBeTruthy();
    expect(new Webhook(created.body.secret).verify(signed.body, headers)).toBeTruthy();
    target.secrets = [rotated.body.secret];

    const sentBefore = target.events().filter((e) => e.customerId === 'PR-1').length;
    const replayed = await api.http
      .post(`/v1/destinations/${id}:replay`)
      .set(auth())
      .send({ from: before })
      .expect(200);
    expect(replayed.body.status).toBe('active');
    const again = await eventually(async () => {
      const seen = target.events().filter((e) => e.customerId === 'PR-1');
      return seen.length > sentBefore ? seen[seen.length - 1] : undefined;
    }, 30_000);
    expect(again.idempotencyKey).toBe(first.idempotencyKey);
    const webhookIds = target.received
      .filter((entry) => entry.body.includes('PR-1'))
      .map((entry) => entry.webhookId);
    expect(new Set(webhookIds).size).toBeGreaterThanOrEqual(2);
    await api.http
      .post(`/v1/destinations/${id}:replay`)
      .set(auth())
      .send({ from: 'WyI5OTk5OTk5OTk5IiwiMCJd' })
      .expect(409);
    await api.http.post(`/v1/destinations/${id}:replay`).set(auth()).send({ from: 'yesterday' }).expect(400);

    await api.http.delete(`/v1/destinations/${id}`).set(auth()).expect(200);
    await api.http.get(`/v1/destinations/${id}`).set(auth()).expect(404);
  });

  it('refuses unsafe URLs, unknown audiences, bureau columns without risk use, and risk use from a non-admin key', async () => {
    const target = await receivers.start();
    const body = { name: 'x', audiences: ['gambling_spend'] };
    const refuse = async (
      payload: Record<string, unknown>,
      status: number,
      pattern: RegExp,
      key?: string,
    ) => {
      const response = await api.http.post('/v1/destinations').set(auth(key)).send(payload);
      expect({ status: response.status, message: response.body.error?.message }).toEqual({
        status,
        message: expect.stringMatching(pattern),
      });
    };
    await refuse({ ...body, url: 'http://hooks.example.com/x' }, 422, /must be https/);
    await refuse({ ...body, url: 'https://10.0.0.8/hook' }, 422, /private, loopback, link-local or metadata/);
    await refuse({ ...body, url: 'https://169.254.169.254/latest/meta-data' }, 422, /metadata/);
    await refuse({ ...body, url: 'https://localhost/hook' }, 422, /private, loopback/);
    await refuse(
      { ...body, url: target.url, audiences: ['no_such_tag'] },
      422,
      /active boolean tags or segments/,
    );
    await refuse(
      { ...body, url: target.url, audiences: ['early_warning_count'] },
      422,
      /active boolean tags/,
    );
    await refuse(
      { ...body, url: target.url, columns: ['new_debt_elsewhere'] },
      422,
      /credit-bureau data need a destination marked for risk use/,
    );
    await refuse({ ...body, url: target.url, audiences: 'everyone' }, 400, /audiences must be/);
    await refuse({ ...body, url: target.url, batch: { maxEvents: 0 } }, 400, /batch must be/);
    await refuse({ ...body, url: target.url, events: ['joined'] }, 400, /events/);
    await refuse({ ...body, url: target.url, secret: 'mine' }, 400, /secret should not exist/);
    const operator = await api.app
      .get(ApiKeyService)
      .create({ name: 'operator', scopes: ['destinations:write'] }, null);
    await refuse({ ...body, url: target.url, riskUse: true }, 403, /only an admin key/, operator.key);
    const created = await create(target, { ...body, columns: ['new_debt_elsewhere'], riskUse: true });
    expect(created.status).toBe(201);
    const patched = await api.http
      .patch(`/v1/destinations/${created.body.id}`)
      .set(auth(operator.key))
      .send({ riskUse: false });
    expect(patched.status).toBe(403);
    const renamed = await api.http
      .patch(`/v1/destinations/${created.body.id}`)
      .set(auth(operator.key))
      .send({ name: 'renamed' })
      .expect(200);
    expect(renamed.body).toMatchObject({ name: 'renamed', riskUse: true });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'destination.create'`,
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
    const secrets = await db.query(`SELECT after::text FROM audit_log WHERE entity = 'destination'`);
    expect(secrets.rows.map((row: { after: string | null }) => row.after ?? '').join('')).not.toContain(
      'whsec_',
    );
  });
});
