import { syntheticCustomer } from '@tagforge/demo-data';
import { sleep } from './child-process';
import { describeResult, type HttpClient, type HttpResult } from './http-client';

// The synthetic population's dates are relative to this instant (tagctl generate's default).
export const GENERATOR_NOW = Date.parse('2026-01-01T00:00:00Z');

export type ProfileLine = { customerId: string; profile: Record<string, unknown> };
export type PatchLine = { customerId: string; patch: Record<string, unknown> };
export type WriteLine = ProfileLine | PatchLine;

export function customerIdOf(index: number): string {
  return `C${String(index + 1).padStart(7, '0')}`;
}

// A whole profile for customer `index`; another `generation` gives another plausible profile for the
// same customer (a full replacement that changes most sections).
export function profileLine(seed: number, index: number, generation = 0): ProfileLine {
  return syntheticCustomer(seed * 1000 + generation, index, GENERATOR_NOW);
}

// mulberry32: small, seeded, good enough to pick customers and values reproducibly.
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;

// Incremental feeds: a merge patch of one or two sections, the way upstream systems send deltas.
// Values move across the thresholds tags read (balances, scores, page views, opt-out).
export function patchLine(random: SeededRandom, index: number): PatchLine {
  const sections: (() => Record<string, unknown>)[] = [
    () => ({
      deposits: {
        balance: round2(random.next() ** 3 * 3_000_000),
        avgBalance3m: round2(random.next() ** 3 * 3_000_000),
        balanceTrend3m: random.pick(['rising', 'stable', 'falling']),
      },
    }),
    () => ({
      bureau: {
        score: random.int(300, 850),
        inquiries3m: random.int(0, 8),
        overdueAccounts: random.int(0, 2),
      },
    }),
    () => ({
      digital: {
        loanPageViews7d: random.int(0, 12),
        loanCalculatorUses30d: random.int(0, 5),
        applicationsStarted30d: random.int(0, 2),
        appLogins30d: random.int(0, 40),
      },
    }),
    () => ({
      marketing: {
        optOut: random.next() < 0.2,
        complaints90d: random.int(0, 2),
        contacts30d: random.int(0, 9),
      },
    }),
    () => ({
      income: { monthlySalary: round2(random.next() ** 2 * 80_000), payrollAtBank: random.next() < 0.5 },
    }),
  ];
  const patch = Object.assign(
    {},
    random.pick(sections)(),
    random.next() < 0.3 ? random.pick(sections)() : {},
  );
  return { customerId: customerIdOf(index), patch };
}

// Accepted writes and every failure, by kind, for the summary line and the error budget.
export class WriteTally {
  accepted = 0;
  readonly failures = new Map<string, number>();
  readonly examples: string[] = [];

  record(result: HttpResult, acceptedLines = 1): boolean {
    if (result.status === 200) {
      this.accepted += acceptedLines;
      return true;
    }
    const kind = result.status === 0 ? String(result.failure) : String(result.status);
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    if (this.examples.length < 5) this.examples.push(describeResult(result));
    return false;
  }

  get failed(): number {
    return [...this.failures.values()].reduce((sum, count) => sum + count, 0);
  }

  describe(): string {
    const failures = [...this.failures].map(([kind, count]) => `${kind}: ${count}`).join(', ');
    return `${this.accepted} accepted${failures ? `, failed ${failures}` : ''}`;
  }
}

// POST /v1/profiles:batch in slices, a few in flight; counts accepted lines (status "ok").
export async function loadInBatches(
  http: HttpClient,
  lines: readonly WriteLine[],
  options: { batchSize: number; concurrency: number; tally: WriteTally; signal?: AbortSignal },
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < lines.length && !options.signal?.aborted) {
      const slice = lines.slice(next, next + options.batchSize);
      next += options.batchSize;
      const result = await http.batch(slice);
      const ok = result.status === 200 ? (result.body as { ok: number }).ok : 0;
      options.tally.record(result, ok);
      if (result.status === 200 && ok !== slice.length) {
        throw new Error(`batch refused ${slice.length - ok} line(s): ${describeResult(result)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

// Starts `task` at a steady rate until the duration is over, never more than `maxInFlight` at a
// time (a slow system shows as a backlog, counted, rather than as unbounded concurrency).
export async function runAtRate(
  options: { perSecond: number; durationMs: number; maxInFlight: number; signal?: AbortSignal },
  task: (index: number) => Promise<void>,
): Promise<{ started: number; behind: number; thrown: string[] }> {
  const startedAt = Date.now();
  const end = startedAt + options.durationMs;
  const limit = Math.ceil((options.perSecond * options.durationMs) / 1000);
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let behind = 0;
  const thrown: string[] = [];
  while (Date.now() < end && started < limit && !options.signal?.aborted) {
    const due = Math.min(limit, Math.floor(((Date.now() - startedAt) * options.perSecond) / 1000));
    while (started < due && inFlight.size < options.maxInFlight) {
      const running: Promise<void> = task(started)
        .catch((error: unknown) => {
          thrown.push(error instanceof Error ? error.message : String(error));
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      started += 1;
    }
    if (started < due) behind = Math.max(behind, due - started);
    await sleep(5);
  }
  await Promise.allSettled([...inFlight]);
  return { started, behind, thrown };
}
