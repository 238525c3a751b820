import { HEADLINE_SEGMENTS } from '@tagforge/catalog';
import { syntheticCustomer } from '@tagforge/demo-data';
import { SIZE_DAY } from '@tagforge/persistence';
import { BenchEnvironment, DEFINITIONS_DIR, customerId, progress } from './api-environment';
import { shippedCatalog } from './pipeline-load';

// The population of bench:insights, loaded with SQL rather than through the pipeline (at 1 M that
// takes over 10 minutes on this machine), shared with bench:console, which opens the console on it.
// The shipped catalog's evaluator evaluates `distinct` generated customers and customer i of
// `customers` takes the evaluated tags of customer i mod distinct; customer_tag holds LOADED_TAGS,
// profiles are '{}'; each customer enters its tags at an onboarding instant in the last 120 days, one
// in five held another customer's tags before and moved to its own later; the size rollup is rebuilt
// from that history with the migration's statement.
export const HEADLINE = HEADLINE_SEGMENTS;
export const LOADED_TAGS = [...HEADLINE, 'high_intent', 'low_risk', 'age_band', 'risk_score'];
const DAY = 86_400_000;
const BATCH = 20_000;

export async function loadInsightsPopulation(
  environment: BenchEnvironment,
  customers: number,
  distinct: number,
  seed: number,
  now: number,
) {
  const { evaluator } = shippedCatalog(DEFINITIONS_DIR);
  const started = performance.now();
  const states: Map<string, unknown>[] = [];
  for (let index = 0; index < Math.min(distinct, customers); index += 1) {
    const result = evaluator.evaluateCustomer(syntheticCustomer(seed, index, now).profile, now);
    const tags = new Map<string, unknown>();
    for (const tagId of LOADED_TAGS) if (tagId in result.values) tags.set(tagId, result.values[tagId]);
    states.push(tags);
    if ((index + 1) % 20_000 === 0)
      progress(`evaluated ${index + 1}/${Math.min(distinct, customers)} customers`);
  }
  const evaluateSeconds = (performance.now() - started) / 1000;
  // A seeded stream, so two runs of one size write the same history.
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const client = await environment.db.connect();
  const loadStarted = performance.now();
  try {
    await client.query(`SET synchronous_commit = off`);
    for (let first = 0; first < customers; first += BATCH) {
      const ids: string[] = [];
      const tagRows: [string[], string[], string[]] = [[], [], []];
      const events: [string[], string[], (string | null)[], (string | null)[], string[]] = [
        [],
        [],
        [],
        [],
        [],
      ];
      const event = (id: string, tagId: string, before: unknown, after: unknown, at: number) => {
        events[0].push(id);
        events[1].push(tagId);
        events[2].push(before === undefined ? null : JSON.stringify(before));
        events[3].push(after === undefined ? null : JSON.stringify(after));
        events[4].push(new Date(at).toISOString());
      };
      for (let index = first; index < Math.min(customers, first + BATCH); index += 1) {
        const id = customerId(index);
        ids.push(id);
        const final = states[index % states.length];
        for (const [tagId, value] of final) {
          tagRows[0].push(id);
          tagRows[1].push(tagId);
          tagRows[2].push(JSON.stringify(value));
        }
        const onboarded = now - Math.floor(random() * 120 * DAY);
        if (random() < 0.2) {
          const earlier = states[Math.floor(random() * states.length)];
          const moved = onboarded + Math.floor(random() * (now - onboarded));
          for (const [tagId, value] of earlier) event(id, tagId, undefined, value, onboarded);
          for (const tagId of LOADED_TAGS) {
            const before = earlier.get(tagId);
            const after = final.get(tagId);
            if (JSON.stringify(before) !== JSON.stringify(after)) event(id, tagId, before, after, moved);
          }
        } else {
          for (const [tagId, value] of final) event(id, tagId, undefined, value, onboarded);
        }
      }
      await client.query(
        `INSERT INTO customer_profile (customer_id, profile, version, evaluated_version, pending_paths)
         SELECT id, '{}', 1, 1, '{}' FROM unnest($1::varchar[]) AS id`,
        [ids],
      );
      await client.query(
        `INSERT INTO customer_tag (customer_id, tag_id, value, tag_version)
         SELECT t.customer_id, t.tag_id, t.value, 1 FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[]) AS t(customer_id, tag_id, value)`,
        tagRows,
      );
      await client.query(
        `INSERT INTO tag_history (customer_id, at, tag_ids, changes, profile_version, cause)
         SELECT e.customer_id, e.at, array_agg(e.tag_id),
                jsonb_object_agg(e.tag_id, jsonb_build_array(e.old_value, e.new_value, 1)), 1, 'profile'
           FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::jsonb[], $5::timestamptz[]) AS e(customer_id, tag_id, old_value, new_value, at)
          GROUP BY e.customer_id, e.at`,
        events,
      );
      if ((first + BATCH) % 200_000 === 0) progress(`loaded ${first + BATCH}/${customers} customers`);
    }
  } finally {
    await client.query(`RESET synchronous_commit`);
    client.release();
  }
  const rollupStarted = performance.now();
  await environment.db.query(
    `INSERT INTO audience_size_delta (tag_id, day, old_value, new_value, n, last_at)
     SELECT tag_id, ${SIZE_DAY('at')}, old_value, new_value, count(*), max(at) FROM tag_event WHERE cause <> 'erasure' GROUP BY 1, 2, 3, 4`,
  );
  const rollupSeconds = (performance.now() - rollupStarted) / 1000;
  for (const table of ['customer_profile', 'customer_tag', 'tag_history', 'audience_size_delta']) {
    await environment.db.query(`VACUUM (ANALYZE) ${table}`);
  }
  return { evaluateSeconds, loadSeconds: (performance.now() - loadStarted) / 1000, rollupSeconds };
}
