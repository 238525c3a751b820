import { freePort } from '../bench/pipeline-processes';
import {
  FAST_RETRIES,
  LOOPBACK_RECEIVERS,
  Receivers,
  type Received,
  type WebhookReceiver,
} from '../bench/destinations-receiver';
import { parseMetrics, sumOf, type MetricSamples } from '../reliability/support/prometheus-text';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// Backoff of 100-400 ms: any wait of seconds between two attempts is the receiver's Retry-After.
const WORKER = FAST_RETRIES;
// The response body a sender keeps (MAX_RESPONSE_BYTES in libs/delivery).
const RESPONSE_CAP = 2048;

interface Delivery {
  outcome: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
}

// Delivery as the worker does it, seen from outside: its /metrics after real deliveries, the receiver's
// Retry-After, and a receiver whose answer never ends.
describe('destinations: metrics, Retry-After and the response cap', () => {
  let api: ApiHarness;
  let worker: { close: () => Promise<void> };
  let metricsUrl: string;
  const receivers = new Receivers();
  const create = async (at: WebhookReceiver, body: Record<string, unknown> = {}): Promise<string> => {
    const response = await api.http
      .post('/v1/destinations')
      .set(auth())
      .send({ name: 'receiver', url: at.url, audiences: ['gambling_spend'], ...body })
      .expect(201);
    at.secrets = [response.body.secret as string];
    return response.body.id as string;
  };
  const gambling = (customerId: string, amount: number) =>
    api.http
      .patch(`/v1/customers/${customerId}/profile`)
      .set(auth())
      .send({ transactions: { spendByCategory30d: { gambling: amount } } })
      .expect(200);
  const deliveries = async (id: string): Promise<Delivery[]> =>
    (
      (await api.http.get(`/v1/destinations/${id}/deliveries`).set(auth()).expect(200)).body
        .items as Delivery[]
    )
      .slice()
      .reverse();
  const scrape = async (): Promise<MetricSamples> => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    return parseMetrics(await response.text());
  };
  const value = (samples: MetricSamples, name: string, labels: Record<string, string>) =>
    sumOf(samples, name, (found) => Object.entries(labels).every(([key, wanted]) => found[key] === wanted));

  beforeAll(async () => {
    api = await startApi(LOOPBACK_RECEIVERS);
    const port = await freePort();
    worker = await startWorker(api, { ...WORKER, WORKER_METRICS_PORT: String(port) });
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await receivers.closeAll();
  });

  it("counts deliveries by destination and outcome, retries, dead letters, latency to the 2xx and lag on the worker's /metrics", async () => {
    const answering = await receivers.start();
    const flaky = await receivers.start((index) => (index === 0 ? { status: 500 } : { status: 200 }));
    const refusing = await receivers.start(() => ({ status: 422, body: 'no such customer here' }));
    // Waits the hour its Retry-After asks for: its change stays undelivered.
    const resting = await receivers.start(() => ({ status: 503, retryAfter: '3600' }));
    const ok = await create(answering);
    const retried = await create(flaky);
    const dead = await create(refusing);
    const waiting = await create(resting);

    const writeStarted = Date.now();
    await gambling('MX-1', 100);
    const writeEnded = Date.now();
    const samples = await eventually(async () => {
      const found = await scrape();
      const attempts = (destination: string, outcome: string) =>
        value(found, 'tagforge_destination_deliveries_total', { destination, outcome });
      return attempts(ok, 'delivered') === 1 &&
        attempts(retried, 'delivered') === 1 &&
        attempts(dead, 'dead_letter') === 1 &&
        attempts(waiting, 'retry') === 1
        ? found
        : undefined;
    }, 30_000);
    const deliveriesOf = (destination: string, outcome: string) =>
      value(samples, 'tagforge_destination_deliveries_total', { destination, outcome });

    expect(
      [ok, retried, dead, waiting].map((id) => [
        deliveriesOf(id, 'delivered'),
        deliveriesOf(id, 'retry'),
        deliveriesOf(id, 'dead_letter'),
      ]),
    ).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    const perDestination = (name: string) =>
      [ok, retried, dead, waiting].map((destination) => value(samples, name, { destination }));
    expect(perDestination('tagforge_destination_events_total')).toEqual([1, 1, 0, 0]);
    expect(perDestination('tagforge_destination_retries_total')).toEqual([0, 1, 0, 1]);
    expect(perDestination('tagforge_destination_dead_letters_total')).toEqual([0, 0, 1, 0]);
    expect(perDestination('tagforge_destination_disabled_total')).toEqual([0, 0, 0, 0]);
    expect(perDestination('tagforge_destination_request_seconds_count')).toEqual([1, 2, 1, 1]);
    // One observation per delivered change, none for a change that got no 2xx.
    expect(perDestination('tagforge_destination_latency_seconds_count')).toEqual([1, 1, 0, 0]);
    expect(
      value(samples, 'tagforge_destination_latency_seconds_bucket', { destination: ok, le: '+Inf' }),
    ).toBe(1);

    // From the profile write committing (between writeStarted and writeEnded) to the 2xx: for the
    // retried destination that is its second attempt, not its first.
    const latency = (destination: string) =>
      value(samples, 'tagforge_destination_latency_seconds_sum', { destination });
    const scraped = Date.now();
    const twoXx = (entries: Received[]) => entries.find((entry) => entry.answered === 200)!.receivedAt;
    expect(latency(ok)).toBeGreaterThanOrEqual(Math.max(0, twoXx(answering.received) - writeEnded) / 1000);
    expect(latency(ok)).toBeLessThanOrEqual((scraped - writeStarted) / 1000);
    expect(flaky.received).toHaveLength(2);
    expect(latency(retried)).toBeGreaterThanOrEqual((twoXx(flaky.received) - writeEnded) / 1000);
    expect(latency(retried)).toBeLessThanOrEqual((scraped - writeStarted) / 1000);

    // The lag is read at the scrape: 0 once delivered (or dead-lettered: the cursor moved on), and
    // growing for the destination waiting an hour for its retry.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = Date.now();
    const later = await scrape();
    const after = Date.now();
    const lag = (destination: string) => value(later, 'tagforge_destination_lag_seconds', { destination });
    expect([lag(ok), lag(retried), lag(dead)]).toEqual([0, 0, 0]);
    expect(lag(waiting)).toBeGreaterThanOrEqual((before - resting.received[0].receivedAt) / 1000);
    expect(lag(waiting)).toBeLessThanOrEqual((after - writeStarted) / 1000);
    expect(resting.received).toHaveLength(1);
    expect(later.some((sample) => sample.name === 'tagforge_destination_lag_seconds')).toBe(true);

    // A deleted destination leaves the lag gauge.
    await api.http.delete(`/v1/destinations/${waiting}`).set(auth()).expect(200);
    const gone = await scrape();
    expect(
      gone.filter(
        (sample) =>
          sample.name === 'tagforge_destination_lag_seconds' && sample.labels.destination === waiting,
      ),
    ).toEqual([]);
    for (const id of [ok, retried, dead])
      await api.http.delete(`/v1/destinations/${id}`).set(auth()).expect(200);
  });

  it('waits at least as long as a 429 or 503 Retry-After asks, in seconds or as an HTTP date', async () => {
    const asking = await receivers.start((index) => {
      if (index === 0) return { status: 429, retryAfter: '2' };
      // An HTTP date has whole seconds: 4 s ahead is at least 3 s ahead.
      if (index === 1) return { status: 503, retryAfter: new Date(Date.now() + 4000).toUTCString() };
      return { status: 200 };
    });
    const id = await create(asking);
    await gambling('RA-1', 100);
    await eventually(async () => (asking.events().length >= 1 ? true : undefined), 30_000);
    const [first, second, third] = asking.received;
    expect(asking.received).toHaveLength(3);
    expect(new Set(asking.received.map((entry) => entry.webhookId)).size).toBe(1);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(2000);
    expect(third.receivedAt - second.receivedAt).toBeGreaterThanOrEqual(3000);
    expect((await deliveries(id)).map((row) => [row.outcome, row.statusCode])).toEqual([
      ['failed', 429],
      ['failed', 503],
      ['delivered', 200],
    ]);
    await api.http.delete(`/v1/destinations/${id}`).set(auth()).expect(200);
  });

  it('reads a receiver answer that never ends only up to the cap, and keeps that much with the dead letter', async () => {
    const flooding = await receivers.start(() => ({ status: 422, endless: true }));
    const id = await create(flooding);
    await gambling('CAP-1', 100);
    const letters = await eventually(async () => {
      const found = await api.http.get(`/v1/destinations/${id}/dead-letters`).set(auth()).expect(200);
      return found.body.items.length >= 1
        ? (found.body.items as { statusCode: number; responseBody: string }[])
        : undefined;
    }, 30_000);
    expect(letters[0].statusCode).toBe(422);
    expect(letters[0].responseBody).toBe('x'.repeat(RESPONSE_CAP));
    // The answer counted as soon as the cap was read: a status, not a response timeout.
    expect((await deliveries(id)).map((row) => [row.outcome, row.statusCode, row.error])).toEqual([
      ['dead_lettered', 422, null],
    ]);
    // The sender hung up: the receiver got rid of no more than the socket buffers hold.
    await eventually(async () => {
      const before = flooding.received[0].bytesAnswered;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return flooding.received[0].bytesAnswered === before ? true : undefined;
    }, 10_000);
    expect(flooding.received[0].bytesAnswered).toBeLessThan(32 * 1024 * 1024);
  });
});
