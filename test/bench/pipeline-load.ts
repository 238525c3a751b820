import { Client } from 'pg';
import { loadDefinitionsFolder, readDefinitions } from '@tagforge/catalog';
import { syntheticCustomer } from '@tagforge/demo-data';
import { CatalogEvaluator } from '@tagforge/evaluation';

// The benchmark's starting point: a fresh database holding the generated profiles as if they had
// been ingested (version 1, never evaluated, pending_paths NULL = every tag), loaded set-based.

const LOAD_BATCH = 5000;

export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`refusing to drop database ${JSON.stringify(name)}`);
  return name;
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const admin = new Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

// The shipped catalog compiled as `tagctl evaluate` compiles it.
export function shippedCatalog(definitionsDir: string): { evaluator: CatalogEvaluator; tags: number } {
  const { definitions, errors } = readDefinitions(loadDefinitionsFolder(definitionsDir));
  if (errors.length > 0) throw new Error(`${definitionsDir}: ${errors.length} definition errors`);
  const evaluator = new CatalogEvaluator(
    definitions.map(({ definition: { id, kind, rule } }) => ({ id, kind, rule })),
  );
  return { evaluator, tags: definitions.length };
}

export interface LoadResult {
  loadSeconds: number;
  // CatalogEvaluator over the same profiles, timed alone (generation and SQL excluded)
  inMemorySeconds: number;
  inMemoryTagsSet: number;
  inMemoryRuleErrors: number;
}

// Generates the customers in batches and INSERTs each batch with one statement from unnest().
// While a batch's INSERT runs in Postgres the next batch is generated; the in-memory evaluation of
// a batch is timed only once the previous INSERT has finished, so nothing of ours overlaps it.
export async function loadProfiles(
  client: Client,
  options: {
    customers: number;
    seed: number;
    now: number;
    evaluator: CatalogEvaluator;
    progress: (message: string) => void;
  },
): Promise<LoadResult> {
  const { customers, seed, now, evaluator } = options;
  const started = performance.now();
  let inMemoryMs = 0;
  let tagsSet = 0;
  let ruleErrors = 0;
  let pending: Promise<unknown> | undefined;
  let reported = 0;
  for (let first = 0; first < customers; first += LOAD_BATCH) {
    const ids: string[] = [];
    const profiles: Record<string, unknown>[] = [];
    for (let index = first; index < Math.min(customers, first + LOAD_BATCH); index += 1) {
      const record = syntheticCustomer(seed, index, now);
      ids.push(record.customerId);
      profiles.push(record.profile);
    }
    const documents = profiles.map((profile) => JSON.stringify(profile));
    await pending;
    // The first batch once untimed, so the figure is for optimised code, as in a long run.
    if (first === 0) for (const profile of profiles) evaluator.evaluateCustomer(profile, now);
    const evaluationStart = performance.now();
    for (const profile of profiles) {
      const result = evaluator.evaluateCustomer(profile, now);
      tagsSet += Object.keys(result.values).length;
      ruleErrors += result.errors.length;
    }
    inMemoryMs += performance.now() - evaluationStart;
    pending = client.query(
      `INSERT INTO customer_profile (customer_id, profile, version, evaluated_version, pending_paths)
       SELECT t.customer_id, t.profile, 1, 0, NULL FROM unnest($1::varchar[], $2::jsonb[]) AS t(customer_id, profile)`,
      [ids, documents],
    );
    const loaded = first + ids.length;
    if (loaded - reported >= Math.max(LOAD_BATCH, customers / 20) || loaded === customers) {
      reported = loaded;
      const seconds = (performance.now() - started) / 1000;
      options.progress(`loading: ${loaded}/${customers} profiles (${(loaded / seconds).toFixed(0)}/s)`);
    }
  }
  await pending;
  await client.query('ANALYZE customer_profile');
  const loadSeconds = (performance.now() - started - inMemoryMs) / 1000;
  return {
    loadSeconds,
    inMemorySeconds: inMemoryMs / 1000,
    inMemoryTagsSet: tagsSet,
    inMemoryRuleErrors: ruleErrors,
  };
}
