import fc from 'fast-check';
import { syntheticCustomer } from '@tagforge/demo-data';

// Profiles and write sequences for the pipeline equivalence tests.
//
// Rules that read `now` (days_since, months_since, years_since) change value when `now` passes a date
// in the profile plus whole days or months. An incremental evaluation and the recompute that checks it
// run seconds apart, so every date-time in a generated profile carries the same time of day, twelve
// hours away from the test's start: their thresholds are then half a day away. Date-only values flip
// at UTC midnight, which `untilClearOfMidnight` keeps away from the test run.

const MS_PER_DAY = 86_400_000;
const HALF_DAY = MS_PER_DAY / 2;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// Older than any stamp the tests send as fresh: a section written with it is stale once stamped.
const STALE_STAMP = '2020-01-01T00:00:00Z';
// Fixed so a failing fast-check seed reproduces the same profiles.
const SYNTHETIC_SEED = 20260101;

export type JsonObject = Record<string, unknown>;

export const OBJECT_SECTIONS = [
  'demographics',
  'relationship',
  'deposits',
  'income',
  'transactions',
  'bureau',
  'digital',
  'contact',
  'marketing',
] as const;
export const ARRAY_SECTIONS = ['loans', 'cards'] as const;
export const SECTIONS = [...OBJECT_SECTIONS, ...ARRAY_SECTIONS] as const;
export type Section = (typeof SECTIONS)[number];
export type Stamp = 'fresh' | 'stale';

export interface WriteSpec {
  mode: 'replace' | 'merge';
  // index of the customer among the scenario's customers
  customer: number;
  // the document without asOf stamps: `null` sections and fields are merge-patch deletions
  body: JsonObject;
  stamps: Partial<Record<Section, Stamp>>;
  // stamps of object sections inside the section (`deposits.asOf`) rather than in the top-level map
  inline: boolean;
}

export type Step =
  | { kind: 'write'; write: WriteSpec }
  | { kind: 'batch'; writes: WriteSpec[] }
  | { kind: 'parallel'; writes: WriteSpec[] }
  | { kind: 'replay'; customer: number }
  // a full recompute started while writes and their evaluations are still going on
  | { kind: 'recompute' };

export interface Scenario {
  // first profile of each customer (a PUT), then the steps
  initial: JsonObject[];
  initialAsBatch: boolean;
  steps: Step[];
}

export class ProfileClock {
  private readonly timeOfDay: string;
  private stamps = 0;

  constructor(readonly origin: number = Date.now()) {
    this.timeOfDay = new Date(origin - HALF_DAY).toISOString().slice(11, 19);
  }

  date(daysAgo: number): string {
    return new Date(this.origin - daysAgo * MS_PER_DAY).toISOString().slice(0, 10);
  }

  // A date-time `daysAgo` days and twelve hours before the origin.
  dateTime(daysAgo: number): string {
    return `${this.date(daysAgo)}T${this.timeOfDay}Z`;
  }

  // A birth date half a year past the `age`th birthday.
  birthDate(age: number): string {
    return this.date(Math.round(age * 365.25 + 182));
  }

  // Each call is newer than the last, so a fresh stamp is never older than a stored one.
  stamp(kind: Stamp): string {
    if (kind === 'stale') return STALE_STAMP;
    this.stamps += 1;
    return new Date(this.origin - MS_PER_DAY + this.stamps * 1000).toISOString();
  }

  // Moves every date-time of a document to the safe time of day, keeping its date.
  normalise<T>(value: T): T {
    if (typeof value === 'string') {
      const match = DATE_TIME.exec(value);
      return (match ? `${match[1]}T${this.timeOfDay}Z` : value) as T;
    }
    if (Array.isArray(value)) return value.map((item: unknown) => this.normalise(item)) as T;
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.normalise(item)])) as T;
    }
    return value;
  }

  syntheticProfile(index: number): JsonObject {
    return this.normalise(syntheticCustomer(SYNTHETIC_SEED, index, this.origin).profile);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Waits, if needed, so that no UTC midnight falls within `runMs` from now.
export async function untilClearOfMidnight(runMs: number): Promise<void> {
  const now = Date.now();
  const nextMidnight = Math.ceil(now / MS_PER_DAY) * MS_PER_DAY;
  if (nextMidnight - now < runMs) {
    await new Promise((resolve) => setTimeout(resolve, nextMidnight - now + 2000));
  }
}

// The body sent for a write: stamps materialised, inline in object sections or in the top-level map.
export function materialise(write: WriteSpec, clock: ProfileClock): JsonObject {
  const body: JsonObject = { ...write.body };
  const map: JsonObject = {};
  for (const section of SECTIONS) {
    const kind = write.stamps[section];
    if (kind === undefined) continue;
    const value = body[section];
    if (write.inline && isObject(value)) body[section] = { ...value, asOf: clock.stamp(kind) };
    else map[section] = clock.stamp(kind);
  }
  if (Object.keys(map).length > 0) body.asOf = map;
  return body;
}

// Fields and values around the catalog's thresholds (see tag-definitions/tags): each write sets a
// few of them, or deletes them with null.
function thresholds(clock: ProfileClock): [Section, string, unknown[]][] {
  const days = (...list: number[]) => list.map((n) => clock.date(n));
  const instants = (...list: number[]) => list.map((n) => clock.dateTime(n));
  return [
    [
      'demographics',
      'birthDate',
      [17, 21, 22, 30, 31, 45, 46, 59, 60, 66].map((age) => clock.birthDate(age)),
    ],
    [
      'demographics',
      'occupation',
      ['civil_servant', 'salaried', 'self_employed', 'business_owner', 'student'],
    ],
    ['demographics', 'homeOwnership', ['owner', 'mortgaged', 'renter', 'family']],
    ['demographics', 'maritalStatus', ['single', 'married']],
    ['demographics', 'children', [0, 1, 2]],
    ['demographics', 'cityTier', [1, 2, 3, 4]],
    ['demographics', 'residenceSince', days(100, 200, 2000)],
    ['demographics', 'employerType', ['government', 'private_enterprise', 'none']],
    ['relationship', 'customerSince', days(80, 100, 800, 2000)],
    ['relationship', 'kycStatus', ['complete', 'pending', 'expired']],
    ['relationship', 'productCount', [1, 2, 3]],
    ['relationship', 'isEmployee', [true, false]],
    ['relationship', 'relationshipManager', ['RM-0001']],
    ['deposits', 'aum', [99_999.99, 100_000, 499_999.99, 500_000, 5_999_999, 6_000_000]],
    ['deposits', 'balance', [999, 1000, 2500, 80_000]],
    ['deposits', 'avgBalance3m', [9999, 10_000, 60_000]],
    ['deposits', 'avgBalance12m', [10_000, 50_000, 80_000]],
    ['deposits', 'balanceTrend3m', ['rising', 'stable', 'falling']],
    ['deposits', 'wealthProductCount', [0, 1]],
    ['income', 'monthlySalary', [4999, 5000, 14_999, 15_000, 29_999, 30_000]],
    ['income', 'payrollAtBank', [true, false]],
    ['income', 'salaryIncreasePct12m', [-5, 14.9, 15]],
    ['income', 'lastSalaryDate', days(10, 70)],
    [
      'income',
      'salaryHistory6m',
      [
        [0, 0, 8000, 8000, 8000, 8000],
        [8000, 8000, 8000, 8000, 8000, 8000],
      ],
    ],
    ['transactions', 'spend30d', [19_999, 20_000]],
    ['transactions', 'lastTransactionAt', instants(5, 89, 91, 200)],
    ['transactions', 'largeCashWithdrawals30d', [1, 2]],
    ['transactions', 'cashWithdrawalAmount30d', [199_999, 200_000]],
    ['transactions', 'incomingTransfers30d', [99_999, 100_000]],
    [
      'transactions',
      'spendByCategory30d',
      [
        { auto: 5000 },
        { education: 5000 },
        { gambling: 100 },
        { home_furnishing: 20_000 },
        { luxury: 10_000 },
      ],
    ],
    ['bureau', 'score', [579, 580, 669, 670, 679, 680, 739, 740, 799, 800]],
    ['bureau', 'inquiries3m', [1, 2, 5, 6]],
    ['bureau', 'otherLenders', [3, 4]],
    ['bureau', 'monthlyDebtPayment', [0, 2000, 9000]],
    ['bureau', 'maxDpd24m', [0, 89, 90]],
    ['bureau', 'thinFile', [true, false]],
    ['bureau', 'dishonestDebtor', [true, false]],
    ['bureau', 'overdueAccounts', [0, 1]],
    ['bureau', 'newAccounts3m', [1, 2]],
    ['bureau', 'reportDate', days(30, 120)],
    ['digital', 'appLastLoginAt', instants(10, 89, 91, 400)],
    ['digital', 'appLogins30d', [3, 4]],
    ['digital', 'loanPageViews7d', [1, 2]],
    ['digital', 'applicationsStarted30d', [0, 1, 2]],
    ['digital', 'applicationsSubmitted30d', [0, 1]],
    ['digital', 'preApprovedOfferViewedAt', instants(10, 31)],
    ['digital', 'pushEnabled', [true, false]],
    ['digital', 'wechatBound', [true, false]],
    ['contact', 'deviceChanges30d', [2, 3]],
    ['contact', 'phoneChanges90d', [1, 3]],
    ['marketing', 'optOut', [true, false]],
    ['marketing', 'doNotCall', [true, false]],
    ['marketing', 'contacts30d', [4, 5]],
    ['marketing', 'complaints90d', [0, 1]],
    ['marketing', 'lastResponseAt', instants(10, 31, 200)],
    ['marketing', 'preferredChannel', ['app', 'wechat', 'sms', 'branch']],
    ['marketing', 'campaignsConverted12m', [0, 1]],
  ];
}

function loan(clock: ProfileClock): fc.Arbitrary<JsonObject> {
  return fc.record(
    {
      type: fc.constantFrom('mortgage', 'car', 'consumer', 'business', 'credit_line'),
      status: fc.constantFrom('active', 'active', 'closed', 'written_off'),
      outstanding: fc.constantFrom(0, 20_000, 350_000),
      currentDpd: fc.constantFrom(0, 0, 5, 30, 95),
      maxDpd12m: fc.constantFrom(0, 29, 30, 90),
      onTimePayments24m: fc.constantFrom(0, 23, 24),
      remainingTerms: fc.constantFrom(6, 12, 13, 120),
      prepaid: fc.boolean(),
      openedAt: fc.constantFrom(clock.date(100), clock.date(400)),
      closedAt: fc.constantFrom(clock.date(30), clock.date(120)),
    },
    { requiredKeys: ['type', 'status'] },
  );
}

function card(): fc.Arbitrary<JsonObject> {
  return fc.record(
    {
      status: fc.constantFrom('active', 'active', 'frozen', 'closed'),
      limit: fc.constantFrom(10_000, 50_000),
      utilization: fc.constantFrom(0.2, 0.69, 0.7, 0.8, 0.95),
      avgUtilization6m: fc.constantFrom(0.1, 0.5, 0.9),
      currentDpd: fc.constantFrom(0, 3, 35),
      consecutiveOverdueDays: fc.constantFrom(0, 2, 3),
      maxDpd6m: fc.constantFrom(0, 10, 95),
      minPaymentOnly3m: fc.boolean(),
      cashAdvance30d: fc.constantFrom(0, 500),
    },
    { requiredKeys: ['status'] },
  );
}

// Each section stamped or not; stamped ones mostly fresh, a third stale.
function stampsFor(sections: readonly Section[]): fc.Arbitrary<Partial<Record<Section, Stamp>>> {
  const stamp = fc.option(fc.constantFrom<Stamp>('fresh', 'fresh', 'stale'), { freq: 2 });
  return fc.array(stamp, { minLength: sections.length, maxLength: sections.length }).map((stamps) => {
    const result: Partial<Record<Section, Stamp>> = {};
    sections.forEach((section, index) => {
      const kind = stamps[index];
      if (kind !== null) result[section] = kind;
    });
    return result;
  });
}

function sectionsOf(body: JsonObject): Section[] {
  return SECTIONS.filter((section) => Object.hasOwn(body, section));
}

function withStamps(
  mode: WriteSpec['mode'],
  customers: number,
  body: fc.Arbitrary<JsonObject>,
): fc.Arbitrary<WriteSpec> {
  return fc.tuple(fc.nat({ max: customers - 1 }), body, fc.boolean()).chain(([customer, document, inline]) =>
    // A replace may stamp sections it leaves out: stale, they keep the stored section.
    stampsFor(mode === 'replace' ? [...SECTIONS] : sectionsOf(document)).map((stamps) => ({
      mode,
      customer,
      body: document,
      stamps,
      inline,
    })),
  );
}

export function writeArbitrary(clock: ProfileClock, customers: number): fc.Arbitrary<WriteSpec> {
  const synthetic = fc.nat({ max: 999_999 }).map((index) => clock.syntheticProfile(index));
  const fieldChange = fc
    .constantFrom(...thresholds(clock))
    .chain(([section, field, values]) =>
      fc
        .oneof(
          { weight: 5, arbitrary: fc.constantFrom(...values) },
          { weight: 1, arbitrary: fc.constant(null) },
        )
        .map((value) => [section, field, value] as const),
    );
  const fieldPatch = fc.array(fieldChange, { minLength: 1, maxLength: 3 }).map((changes) => {
    const body: Record<string, JsonObject> = {};
    for (const [section, field, value] of changes) body[section] = { ...body[section], [field]: value };
    return body as JsonObject;
  });
  const deleteSections = fc
    .subarray([...SECTIONS], { minLength: 1, maxLength: 2 })
    .map((sections) => Object.fromEntries(sections.map((section) => [section, null])));
  const arrays = fc.oneof(
    fc.array(loan(clock), { maxLength: 4 }).map((loans) => ({ loans })),
    fc.array(card(), { maxLength: 3 }).map((cards) => ({ cards })),
    synthetic.map((profile) => ({ loans: profile.loans ?? [], cards: profile.cards ?? null })),
  );
  // Whole sections of another customer, merged into the stored ones (absent there: deleted here).
  const sectionsFromOther = fc
    .tuple(synthetic, fc.subarray([...OBJECT_SECTIONS], { minLength: 1, maxLength: 3 }))
    .map(([profile, sections]) =>
      Object.fromEntries(sections.map((section) => [section, profile[section] ?? null])),
    );
  const patch = withStamps(
    'merge',
    customers,
    fc.oneof(
      { weight: 6, arbitrary: fieldPatch },
      { weight: 2, arbitrary: deleteSections },
      { weight: 3, arbitrary: arrays },
      { weight: 2, arbitrary: sectionsFromOther },
    ),
  );
  // A new profile, some of whose sections are left out (a replace removes them).
  const replace = withStamps(
    'replace',
    customers,
    fc
      .tuple(synthetic, fc.subarray([...SECTIONS], { maxLength: 3 }))
      .map(([profile, dropped]) =>
        Object.fromEntries(
          Object.entries(profile).filter(([section]) => !dropped.includes(section as Section)),
        ),
      ),
  );
  return fc.oneof({ weight: 5, arbitrary: patch }, { weight: 1, arbitrary: replace });
}

export function scenarioArbitrary(
  clock: ProfileClock,
  options: { customers: { min: number; max: number }; steps: { min: number; max: number } },
): fc.Arbitrary<Scenario> {
  return fc.integer(options.customers).chain((customers) => {
    const write = writeArbitrary(clock, customers);
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 8, arbitrary: write.map((spec) => ({ kind: 'write' as const, write: spec })) },
      {
        weight: 2,
        arbitrary: fc
          .array(write, { minLength: 2, maxLength: 4 })
          .map((writes) => ({ kind: 'batch' as const, writes })),
      },
      {
        weight: 1,
        arbitrary: fc
          .array(write, { minLength: 2, maxLength: 3 })
          .map((writes) => ({ kind: 'parallel' as const, writes })),
      },
      {
        weight: 2,
        arbitrary: fc.nat({ max: customers - 1 }).map((customer) => ({ kind: 'replay' as const, customer })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'recompute' as const }) },
    );
    return fc.record({
      initial: fc.array(
        fc.nat({ max: 999_999 }).map((index) => clock.syntheticProfile(index)),
        { minLength: customers, maxLength: customers },
      ),
      initialAsBatch: fc.boolean(),
      steps: fc.array(step, { minLength: options.steps.min, maxLength: options.steps.max }),
    });
  });
}
