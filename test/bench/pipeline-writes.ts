import type { Client } from 'pg';
import { syntheticCustomer } from '@tagforge/demo-data';
import type { BenchHttpClient } from './pipeline-http';
import { sleep } from './pipeline-processes';

// Phase (c): merge-patches of random existing customers at a fixed rate (open loop: a slow answer
// does not delay the next request), each changing fields that rules read. Every accepted write is
// then watched in Postgres until `evaluated_version >= version`: the client-side cross-check of
// the worker's freshness histogram.

const MAX_IN_FLIGHT = 512;
const POLL_INTERVAL_MS = 10;

export interface WritePhaseOptions {
  http: BenchHttpClient;
  // a connection of its own, for the freshness poller
  db: Client;
  customers: number;
  seed: number;
  now: number;
  rate: number;
  seconds: number;
  drainTimeoutMs: number;
  progress: (message: string) => void;
}

export interface WritePhaseResult {
  attempted: number;
  succeeded: number;
  unchanged: number;
  errors: Record<string, { count: number; example: string }>;
  sendSeconds: number;
  writesPerSec: number;
  requestMs: number[];
  // PATCH answered -> evaluated_version caught up, per write (a later write of the same customer
  // before the first was evaluated replaces it, counted in `superseded`)
  freshnessMs: number[];
  superseded: number;
  unresolved: number;
  drainSeconds: number;
}

// mulberry32: a seeded stream, so two runs of one size send the same writes.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

function patchFor(index: number, options: WritePhaseOptions, random: () => number, withCards: boolean) {
  const patch: Record<string, unknown> = {
    deposits: { balance: round(random() * 300_000, 2) },
    marketing: { contacts30d: Math.floor(random() * 13) },
  };
  if (withCards) {
    // Arrays are replaced whole by a merge patch: regenerate the customer's cards (the generator is
    // deterministic) with a new utilisation.
    const cards = syntheticCustomer(options.seed, index, options.now).profile.cards;
    if (Array.isArray(cards) && cards.length > 0) {
      patch.cards = (cards as Record<string, unknown>[]).map((card) => {
        const utilization = round(random() * 1.1, 3);
        const limit = typeof card.limit === 'number' ? card.limit : 10_000;
        return { ...card, utilization, balance: round(limit * utilization, 2) };
      });
    }
  }
  return patch;
}

export async function runWritePhase(options: WritePhaseOptions): Promise<WritePhaseResult> {
  const { http, db, customers, rate, seconds } = options;
  const random = seededRandom(options.seed ^ 0x5eed);
  const total = Math.round(rate * seconds);
  const result: WritePhaseResult = {
    attempted: 0,
    succeeded: 0,
    unchanged: 0,
    errors: {},
    sendSeconds: 0,
    writesPerSec: 0,
    requestMs: [],
    freshnessMs: [],
    superseded: 0,
    unresolved: 0,
    drainSeconds: 0,
  };
  const watched = new Map<string, { version: number; answeredAt: number }>();
  const inFlight = new Set<Promise<void>>();
  const fail = (kind: string, example: string) => {
    const entry = (result.errors[kind] ??= { count: 0, example });
    entry.count += 1;
  };

  let sending = true;
  let drainDeadline = Infinity;
  const poller = (async () => {
    while (sending || watched.size > 0) {
      if (watched.size > 0) {
        const rows: { customer_id: string; evaluated_version: string }[] = (
          await db.query(
            `SELECT customer_id, evaluated_version FROM customer_profile WHERE customer_id = ANY($1::varchar[])`,
            [[...watched.keys()]],
          )
        ).rows;
        const seenAt = performance.now();
        for (const row of rows) {
          const entry = watched.get(row.customer_id);
          if (entry && Number(row.evaluated_version) >= entry.version) {
            result.freshnessMs.push(seenAt - entry.answeredAt);
            watched.delete(row.customer_id);
          }
        }
      }
      if (!sending && performance.now() > drainDeadline) break;
      await sleep(POLL_INTERVAL_MS);
    }
  })();

  const send = (index: number, withCards: boolean): Promise<void> => {
    const customerId = `C${String(index + 1).padStart(7, '0')}`;
    const body = patchFor(index, options, random, withCards);
    const sentAt = performance.now();
    return http
      .send('PATCH', `/v1/customers/${customerId}/profile`, body, 'application/merge-patch+json')
      .then((response) => {
        const answeredAt = performance.now();
        result.requestMs.push(answeredAt - sentAt);
        if (response.status !== 200) {
          fail(`HTTP ${response.status}`, JSON.stringify(response.body).slice(0, 300));
          return;
        }
        result.succeeded += 1;
        const { version, changed } = response.body as { version: number; changed: boolean };
        if (!changed) {
          result.unchanged += 1;
          return;
        }
        if (watched.has(customerId)) result.superseded += 1;
        watched.set(customerId, { version, answeredAt });
      })
      .catch((error: NodeJS.ErrnoException) => fail(error.code ?? 'error', error.message));
  };

  const started = performance.now();
  let lastReport = started;
  while (result.attempted < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (result.attempted < due && inFlight.size < MAX_IN_FLIGHT) {
      const index = Math.floor(random() * customers);
      const request = send(index, result.attempted % 3 === 0).finally(() => inFlight.delete(request));
      inFlight.add(request);
      result.attempted += 1;
    }
    if (performance.now() - lastReport >= 5000) {
      lastReport = performance.now();
      options.progress(
        `writes: ${result.attempted}/${total} sent, ${result.succeeded} ok, ${inFlight.size} in flight, ` +
          `${watched.size} awaiting evaluation`,
      );
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  result.sendSeconds = (performance.now() - started) / 1000;
  result.writesPerSec = result.succeeded / result.sendSeconds;
  sending = false;
  const drainStart = performance.now();
  drainDeadline = drainStart + options.drainTimeoutMs;
  await poller;
  result.drainSeconds = (performance.now() - drainStart) / 1000;
  result.unresolved = watched.size;
  return result;
}
