import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { WebhookReceiver } from './destinations-receiver';
import { BenchHttpClient } from './pipeline-http';
import { dropDatabase } from './pipeline-load';
import { freePort, runToCompletion, ServiceProcess, sleep, WORKER_NODE_ARGS } from './pipeline-processes';
import { describePostgres } from './postgres-settings';

// Destinations end to end, with the API and one worker started from dist against a database and a
// queue prefix of their own, and the receivers in this process (verifying every signature):
//   (a) latency: profile writes at --rate per second for --seconds, each flipping an early-warning
//       tag (gambling_spend) of one of --customers customers; per change, from the write's answer
//       (its commit happened before) to the receiver's 2xx; p50/p99 against the goal p99 < 1 s.
//   (b) bulk: an activation changing --bulk customers' membership of a new tag, delivered in batches
//       of --batch to one receiver (the destination paused during the run, then resumed: only
//       delivery is timed), beside its peer: the same rows read with plain SQL in the same batches
//       and POSTed unsigned to a receiver that does not verify (the floor of read + send).
// Usage (after `npm run build`):
//   npm run bench:destinations -- [--rate 200] [--seconds 30] [--customers 1000] [--bulk 100000]
//     [--batch 5000] [--database-url postgres://postgres@127.0.0.1:5432/tagforge_bench_destinations]
// Progress goes to stderr; the last line of stdout is one JSON object.

const ROOT = resolve(__dirname, '../../..');

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function positive(name: string, fallback: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const progress = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => resolveStatus(incoming.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function postNdjson(url: string, apiKey: string, body: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/x-ndjson',
          'content-length': Buffer.byteLength(body),
        },
      },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => resolveStatus(incoming.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function main(): Promise<void> {
  const rate = positive('rate', 200);
  const seconds = positive('seconds', 30);
  const customers = positive('customers', 1000);
  const bulk = positive('bulk', 100_000);
  const batch = positive('batch', 5000);
  const databaseUrl =
    argument('database-url') ?? 'postgres://postgres@127.0.0.1:5432/tagforge_bench_destinations';
  const apiKey = randomBytes(24).toString('base64url');
  const services: ServiceProcess[] = [];
  const killAll = () => services.forEach((service) => service.killNow());
  process.on('exit', killAll);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `{bench_destinations_${process.pid}}`,
    TAG_DEFINITIONS_DIR: join(ROOT, 'tag-definitions'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    BOOTSTRAP_API_KEY: apiKey,
    DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
    // The bulk customers are inserted behind the API's back; the reconciler must leave them alone.
    RECONCILE_GRACE_SECONDS: '86400',
    RATE_LIMIT_PER_SECOND: '100000',
  };
  await dropDatabase(databaseUrl);
  await runToCompletion(join(ROOT, 'dist/apps/cli/src/main.js'), ['migrate'], env);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const receivers: WebhookReceiver[] = [];
  const logs = join(tmpdir(), `tagforge-bench-destinations-${process.pid}`);
  try {
    const apiPort = await freePort();
    const metricsPort = await freePort();
    const api = ServiceProcess.start(
      'api',
      join(ROOT, 'dist/apps/api/src/main.js'),
      { ...env, PORT: String(apiPort), WORKER_METRICS_PORT: '0' },
      `${logs}-api.log`,
    );
    services.push(api);
    const worker = ServiceProcess.start(
      'worker',
      join(ROOT, 'dist/apps/worker/src/main.js'),
      { ...env, WORKER_METRICS_PORT: String(metricsPort) },
      `${logs}-worker.log`,
      WORKER_NODE_ARGS,
    );
    services.push(worker);
    await api.waitUntilReady(`http://127.0.0.1:${apiPort}/health/ready`, 120_000);
    await worker.waitUntilReady(`http://127.0.0.1:${metricsPort}/metrics`, 120_000);
    const http = new BenchHttpClient(`http://127.0.0.1:${apiPort}`, apiKey, 64);
    progress(`api :${apiPort}, worker metrics :${metricsPort}; logs ${logs}-*.log`);
    progress(await describePostgres(db));

    // (a) latency. The customers exist and are evaluated first: the timed writes are the patches
    // of known customers that flip an early-warning tag, not first evaluations of every tag.
    progress(`(a) creating ${customers} customers`);
    const lines = Array.from({ length: customers }, (_, index) =>
      JSON.stringify({
        customerId: `LAT-${String(index).padStart(5, '0')}`,
        profile: { transactions: { spendByCategory30d: { gambling: 0 } } },
      }),
    );
    for (let first = 0; first < lines.length; first += 1000) {
      const status = await postNdjson(
        `http://127.0.0.1:${apiPort}/v1/profiles:batch`,
        apiKey,
        `${lines.slice(first, first + 1000).join('\n')}\n`,
      );
      if (status !== 200) throw new Error(`batch write: ${status}`);
    }
    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
        );
        return rows[0].n === 0 ? true : undefined;
      },
      600_000,
      'first evaluations',
    );
    const alerts = await WebhookReceiver.start();
    receivers.push(alerts);
    const created = await http.send('POST', '/v1/destinations', {
      name: 'bench alerts',
      url: alerts.url,
      audiences: 'early_warning',
    });
    if (created.status !== 201)
      throw new Error(`create destination: ${created.status} ${JSON.stringify(created.body)}`);
    alerts.secrets = [(created.body as { secret: string }).secret];
    const writes = new Map<string, { sent: number; answered: number }>();
    const writesPerCustomer = new Array<number>(customers).fill(0);
    const total = rate * seconds;
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    let failedWrites = 0;
    progress(`(a) ${total} writes at ${rate}/s over ${customers} customers`);
    for (let index = 0; index < total; index += 1) {
      const due = started + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const customer = index % customers;
      const customerId = `LAT-${String(customer).padStart(5, '0')}`;
      // Version 1 is the batch write (not set); every timed write flips the tag: even versions
      // enter, odd ones exit.
      const version = (writesPerCustomer[customer] += 1) + 1;
      const amount = version % 2 === 0 ? 100 + version : 0;
      const sent = Date.now();
      const write = http
        .send('PATCH', `/v1/customers/${customerId}/profile`, {
          transactions: { spendByCategory30d: { gambling: amount } },
        })
        .then((response) => {
          if (response.status !== 200) failedWrites += 1;
          else writes.set(`${customerId}#${version}`, { sent, answered: Date.now() });
        })
        .finally(() => inFlight.delete(write));
      inFlight.add(write);
    }
    await Promise.all(inFlight);
    const writeSeconds = (performance.now() - started) / 1000;
    const changes = () => alerts.events().filter((event) => event.audience === 'gambling_spend');
    await waitFor(
      () => (changes().length >= writes.size ? true : undefined),
      120_000,
      'all alerts delivered',
    ).catch((error: Error) => progress(error.message));
    const fromAnswer: number[] = [];
    const fromSent: number[] = [];
    const received = alerts.received.filter((entry) => entry.verified);
    for (const entry of received) {
      for (const event of (
        entry.payload as { events: { customerId: string; profileVersion: string; audience: string }[] }
      ).events) {
        if (event.audience !== 'gambling_spend') continue;
        const write = writes.get(`${event.customerId}#${event.profileVersion}`);
        if (!write) continue;
        fromAnswer.push(entry.receivedAt - write.answered);
        fromSent.push(entry.receivedAt - write.sent);
      }
    }
    fromAnswer.sort((a, b) => a - b);
    fromSent.sort((a, b) => a - b);
    // Per customer, in order: versions strictly increase.
    const lastVersion = new Map<string, number>();
    let outOfOrder = 0;
    for (const event of changes()) {
      const version = Number(event.profileVersion);
      if ((lastVersion.get(String(event.customerId)) ?? 0) >= version) outOfOrder += 1;
      lastVersion.set(String(event.customerId), version);
    }
    const latency = {
      writes: writes.size,
      failedWrites,
      writeSeconds: Number(writeSeconds.toFixed(1)),
      changesReceived: changes().length,
      requests: received.length,
      unverified: alerts.received.length - received.length,
      outOfOrder,
      p50Ms: percentile(fromAnswer, 50),
      p99Ms: percentile(fromAnswer, 99),
      maxMs: fromAnswer[fromAnswer.length - 1],
      p50FromSentMs: percentile(fromSent, 50),
      p99FromSentMs: percentile(fromSent, 99),
    };
    progress(`(a) ${JSON.stringify(latency)}`);
    await http.send('DELETE', `/v1/destinations/${(created.body as { id: string }).id}`);

    // (b) bulk
    progress(`(b) inserting ${bulk} customers`);
    await db.query(
      `INSERT INTO customer_profile (customer_id, profile, version, evaluated_version, pending_paths)
       SELECT 'BULK-' || lpad(i::text, 7, '0'), '{"deposits": {"balance": 1000}}'::jsonb, 1, 1, '{}'
         FROM generate_series(1, $1::int) AS i`,
      [bulk],
    );
    await db.query('ANALYZE customer_profile');
    // Version 1 holds nobody; the destination follows it; version 2 holds every customer, so its
    // activation changes the membership of all of them.
    const definition = (rule: unknown) => ({
      id: 'bench_bulk_member',
      name: 'Bench bulk member',
      kind: 'boolean',
      purpose: 'marketing',
      category: 'value',
      description: 'Customers with a deposit balance: the bulk benchmark audience.',
      rule,
    });
    const activate = async (version: number, rule: unknown) => {
      const draft = await http.send('POST', '/v1/tags', definition(rule));
      if (draft.status !== 201) throw new Error(`draft: ${draft.status} ${JSON.stringify(draft.body)}`);
      const activation = await http.send(
        'POST',
        `/v1/tags/bench_bulk_member/versions/${version}:activate`,
        {},
      );
      if (activation.status !== 202) {
        throw new Error(`activate: ${activation.status} ${JSON.stringify(activation.body)}`);
      }
      const runId = (activation.body as { runId: string }).runId;
      await waitFor(
        async () => {
          const run = await http.send('GET', `/v1/runs/${runId}`);
          const status = (run.body as { status: string }).status;
          if (status === 'failed' || status === 'cancelled') throw new Error(`run ${status}`);
          return status === 'succeeded' ? true : undefined;
        },
        30 * 60_000,
        'activation run',
      );
    };
    await activate(1, { '<': [{ var: 'deposits.balance' }, 0] });
    const sink = await WebhookReceiver.start();
    receivers.push(sink);
    const bulkDestination = await http.send('POST', '/v1/destinations', {
      name: 'bench bulk',
      url: sink.url,
      audiences: ['bench_bulk_member'],
      batch: { maxEvents: batch },
    });
    if (bulkDestination.status !== 201)
      throw new Error(`bulk destination: ${JSON.stringify(bulkDestination.body)}`);
    const bulkId = (bulkDestination.body as { id: string }).id;
    sink.secrets = [(bulkDestination.body as { secret: string }).secret];
    await http.send('POST', `/v1/destinations/${bulkId}:pause`);
    const runStarted = performance.now();
    await activate(2, { '>=': [{ var: 'deposits.balance' }, 0] });
    const runSeconds = (performance.now() - runStarted) / 1000;
    const rows = (
      await db.query(
        `SELECT count(*)::int AS n FROM tag_history WHERE tag_ids @> ARRAY['bench_bulk_member']::varchar[]`,
      )
    ).rows[0].n as number;
    progress(`(b) activation run: ${rows} changes in ${runSeconds.toFixed(1)} s; delivering`);
    const deliveryStarted = performance.now();
    await http.send('POST', `/v1/destinations/${bulkId}:resume`);
    await waitFor(() => (sink.events().length >= rows ? true : undefined), 30 * 60_000, 'bulk delivered');
    const deliverySeconds = (performance.now() - deliveryStarted) / 1000;

    // The peer: plain SQL reads of the same rows in the same batches, POSTed unsigned, unverified.
    const floorSink = await WebhookReceiver.start();
    receivers.push(floorSink);
    floorSink.secrets = [];
    const floorStarted = performance.now();
    let after = { txid: '0', seq: '0' };
    let floorEvents = 0;
    for (;;) {
      const page = await db.query(
        `SELECT txid::text AS txid, (seq + array_position(tag_ids, 'bench_bulk_member') - 1)::text AS seq,
                customer_id, changes -> 'bench_bulk_member' ->> 1 IS NOT NULL AS entered, at
           FROM tag_history WHERE tag_ids @> ARRAY['bench_bulk_member']::varchar[]
            AND (txid, seq) > ($1::bigint, $2::bigint)
          ORDER BY txid, seq LIMIT $3`,
        [after.txid, after.seq, batch],
      );
      if (page.rows.length === 0) break;
      const last = page.rows[page.rows.length - 1] as { txid: string; seq: string };
      after = { txid: last.txid, seq: last.seq };
      await post(floorSink.url, JSON.stringify({ events: page.rows }));
      floorEvents += page.rows.length;
    }
    const floorSeconds = (performance.now() - floorStarted) / 1000;
    const bulkResult = {
      customers: bulk,
      changes: rows,
      batch,
      activationRunSeconds: Number(runSeconds.toFixed(1)),
      deliverySeconds: Number(deliverySeconds.toFixed(2)),
      eventsPerSecond: Math.round(rows / deliverySeconds),
      requests: sink.received.length,
      unverified: sink.received.filter((entry) => !entry.verified).length,
      floorEventsPerSecond: Math.round(floorEvents / floorSeconds),
      ratioToFloor: Number((rows / deliverySeconds / (floorEvents / floorSeconds)).toFixed(2)),
    };
    progress(`(b) ${JSON.stringify(bulkResult)}`);
    http.close();
    const result = {
      bench: 'destinations',
      latency: { ...latency, goalP99Ms: 1000, met: latency.p99Ms < 1000 },
      bulk: { ...bulkResult, goalEventsPerSecond: 20_000, met: bulkResult.eventsPerSecond >= 20_000 },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    for (const service of services) await service.stop();
    await db.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
