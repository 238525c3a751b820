import fc from 'fast-check';
import { Client } from 'pg';
import { InsightsService, type SizeInterval } from '@tagforge/insights';
import {
  AudienceRepository,
  AudienceSizeRepository,
  CustomerTagRepository,
  EvaluationLockRepository,
  ProfileRepository,
  appendSizeRollup,
  type MembershipFilter,
} from '@tagforge/persistence';
import { startApi, type ApiHarness } from '../support/api-harness';

const SEED = Number(process.env.FC_SEED ?? 20261203);
const DAY = 86_400_000;
const CUSTOMERS = 5;

interface Audience {
  tagId: string;
  query: { value?: string; min?: number; max?: number };
  filter: MembershipFilter;
  values: fc.Arbitrary<unknown>;
}

const AUDIENCES: Audience[] = [
  { tagId: 'opted_out', query: {}, filter: { kind: 'set' }, values: fc.constant(true) },
  {
    tagId: 'age_band',
    query: { value: '31_45' },
    filter: { kind: 'value', value: '31_45' },
    values: fc.constantFrom('22_30', '31_45', '60_plus'),
  },
  {
    tagId: 'risk_score',
    query: { min: 10, max: 40 },
    filter: { kind: 'range', min: 10, max: 40 },
    values: fc.integer({ min: 0, max: 60 }),
  },
];

const inFilter = (filter: MembershipFilter, value: unknown): boolean => {
  if (value === null || value === undefined) return false;
  switch (filter.kind) {
    case 'set':
      return true;
    case 'value':
      return value === filter.value;
    case 'range':
      return (
        typeof value === 'number' &&
        (filter.min === null || value >= filter.min) &&
        (filter.max === null || value <= filter.max)
      );
  }
};

// For random histories (values set and unset at random instants over two weeks, exact midnights
// included, an evaluation and a retirement today, some customers erased, the rollup compacted at random), the size series must be, interval
// by interval, the asOf membership at the interval's end, and entered/exited the history's moves into
// and out of the audience within it.
describe('audience sizes over time', () => {
  let api: ApiHarness;
  let db: Client;
  let run = 0;

  beforeAll(async () => {
    api = await startApi();
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await api.close();
  });

  it('equals asOf membership at every interval end, and counts the moves within each interval', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const instant = fc.oneof(
      fc.integer({ min: 1, max: 14 }).map((days) => today - days * DAY),
      fc.integer({ min: today - 14 * DAY, max: today - 1 }),
    );
    const history = fc.array(fc.tuple(instant, fc.boolean()), { maxLength: 6 });
    const customer = fc.tuple(
      ...AUDIENCES.map((audience) =>
        fc.tuple(history, fc.array(audience.values, { minLength: 6, maxLength: 6 })),
      ),
    );
    const scenario = fc.record({
      customers: fc.array(customer, { minLength: CUSTOMERS, maxLength: CUSTOMERS }),
      erased: fc.subarray([0, 1, 2, 3, 4], { maxLength: 2 }),
      compactAfterHistory: fc.boolean(),
      todayChange: fc.boolean(),
      retireScore: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({ customers, erased, compactAfterHistory, todayChange, retireScore }) => {
          run += 1;
          const prefix = `SZ${run}-`;
          await db.query(
            `DELETE FROM tag_history; DELETE FROM audience_size_delta; DELETE FROM customer_tag`,
          );
          await db.query(`DELETE FROM customer_profile`);
          for (let c = 0; c < customers.length; c += 1) {
            const customerId = `${prefix}${c}`;
            await db.query(
              `INSERT INTO customer_profile (customer_id, profile, version, evaluated_version) VALUES ($1, '{}', 1, 1)`,
              [customerId],
            );
            for (let a = 0; a < AUDIENCES.length; a += 1) {
              const [moves, values] = customers[c][a];
              const instants = [...new Set(moves.map(([at]) => at))].sort((x, y) => x - y);
              let current: unknown = null;
              for (let i = 0; i < instants.length; i += 1) {
                const next = moves[i][1] ? values[i] : null;
                if (JSON.stringify(next) === JSON.stringify(current)) continue;
                // Through the rollup statement the writers use, at a chosen instant.
                await db.query(
                  `WITH written AS (
                   INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, at)
                   VALUES ($1, $2, $3::jsonb, $4::jsonb, 1, 1, 'profile', $5)
                   RETURNING tag_id, old_value, new_value, at, cause)
                 ${appendSizeRollup('written')}`,
                  [
                    customerId,
                    AUDIENCES[a].tagId,
                    current === null ? null : JSON.stringify(current),
                    next === null ? null : JSON.stringify(next),
                    new Date(instants[i]),
                  ],
                );
                current = next;
              }
              if (current !== null) {
                await db.query(
                  `INSERT INTO customer_tag (customer_id, tag_id, value, tag_version) VALUES ($1, $2, $3, 1)`,
                  [customerId, AUDIENCES[a].tagId, JSON.stringify(current)],
                );
              }
            }
          }
          if (compactAfterHistory) await api.app.get(AudienceSizeRepository).compact();
          // Today, through the writers themselves: an evaluation's changes and an erasure.
          const tags = api.app.get(CustomerTagRepository);
          const locks = api.app.get(EvaluationLockRepository);
          if (todayChange) {
            const customerId = `${prefix}0`;
            const held = await tags.current(customerId);
            const optedOut = held.find((tag) => tag.tagId === 'opted_out');
            await locks.transaction((manager) =>
              tags.applyChanges(
                [
                  {
                    customerId,
                    profileVersion: 1,
                    changes: [
                      {
                        tagId: 'opted_out',
                        oldValue: optedOut ? true : null,
                        newValue: optedOut ? null : true,
                        tagVersion: 1,
                      },
                    ],
                  },
                ],
                { cause: 'profile', runId: null },
                manager,
              ),
            );
          }
          // A retirement's removals, through its writer (history rows of cause definition).
          if (retireScore) {
            await locks.transaction((manager) =>
              tags.removeTags(
                ['risk_score'],
                { afterCustomerId: null, lastCustomerId: `${prefix}~` },
                { runId: null },
                manager,
              ),
            );
          }
          const profiles = api.app.get(ProfileRepository);
          for (const c of erased)
            await locks.transaction((manager) => profiles.erase(`${prefix}${c}`, manager));
          await api.app.get(AudienceSizeRepository).compact();

          const events = (
            await db.query(
              `SELECT tag_id, old_value, new_value, at, cause FROM tag_event WHERE cause <> 'erasure'`,
            )
          ).rows as { tag_id: string; old_value: unknown; new_value: unknown; at: Date }[];
          const insights = api.app.get(InsightsService);
          const audiences = api.app.get(AudienceRepository);
          // The last change, read from the rollup: the history's latest change of the tag. An erasure
          // takes its customer's changes back from the counts, not from the rollup's last change.
          for (const { tagId } of AUDIENCES) {
            const times = events.filter((event) => event.tag_id === tagId).map((event) => event.at.getTime());
            const latest = times.length === 0 ? null : Math.max(...times);
            const last = (await audiences.lastChangedAt(tagId))?.getTime() ?? null;
            if (erased.length === 0) expect(last).toBe(latest);
            else if (latest !== null) expect(last).toBeGreaterThanOrEqual(latest);
          }
          for (const audience of AUDIENCES) {
            for (const interval of ['day', 'week'] as SizeInterval[]) {
              const answer = await insights.sizes(
                { id: audience.tagId, ...audience.query },
                { from: new Date(today - 15 * DAY), to: new Date(), interval },
                true,
              );
              for (const point of answer.points) {
                const start = new Date(point.start).getTime();
                const end = new Date(point.end).getTime();
                const asOf = Math.min(end, Date.now());
                const within = events.filter(
                  (event) =>
                    event.tag_id === audience.tagId &&
                    event.at.getTime() > start &&
                    event.at.getTime() <= end,
                );
                const moves = (entering: boolean) =>
                  within.filter(
                    (event) =>
                      inFilter(audience.filter, event.new_value) === entering &&
                      inFilter(audience.filter, event.old_value) !== entering,
                  ).length;
                expect({
                  audience: audience.tagId,
                  end: point.end,
                  size: point.size,
                  entered: point.entered,
                  exited: point.exited,
                }).toEqual({
                  audience: audience.tagId,
                  end: point.end,
                  size: await audiences.sizeAsOf(audience.tagId, new Date(asOf), audience.filter),
                  entered: moves(true),
                  exited: moves(false),
                });
              }
            }
          }
        },
      ),
      { seed: SEED, numRuns: 25 },
    );
  });
});
