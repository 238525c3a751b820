import { Pool, type PoolClient } from 'pg';
import { SIZE_DAY } from '@tagforge/persistence';
import { BenchEnvironment, argument, commonOptions, positiveInteger, progress } from './api-environment';
import { HEADLINE, loadInsightsPopulation } from './insights-population';
import { describePostgres } from './postgres-settings';

// Insights over a large population, each figure beside a plain-SQL peer in the same run:
//   sizes      GET /v1/audiences/high_intent_loan_demand/sizes, 90 daily points (from the rollup);
//              peer: one statement over tag_history, daily net changes summed by a window;
//   overlap    POST /v1/insights/overlap of the 8 headline segments (one pass, masks per customer);
//              peer: 28 pairwise joins of customer_tag plus 8 counts;
//   count      POST /v1/insights/count "high intent AND low risk AND NOT do-not-market" with a sample;
//              peer: one count(*) with EXISTS / NOT EXISTS per tag;
//   breakdown  GET /v1/insights/breakdown?audience=high_intent_loan_demand&by=age_band;
//              peer: the audience joined to age_band grouped, and the population grouped.
// More figures (the campaign report) are entries of FIGURES.
//
// The population is loaded with SQL, not through the pipeline (at 1 M that takes over 10 minutes on
// this machine): the shipped catalog's evaluator (the product's own) evaluates --distinct generated
// customers (100,000 by default), and customer i of --customers takes the evaluated profile and tags
// of customer i mod distinct — the same distributions, repeated. customer_tag holds the tags the
// figures read (the 8 headline segments, high_intent, low_risk, age_band, risk_score), profiles are
// stored as '{}' (no figure reads them). History: each customer enters its tags at an onboarding
// instant in the last 120 days; one in five held the evaluated tags of another customer before, and
// moved to its own at a later instant (the events are the differences of the two evaluated states).
// The size rollup is rebuilt from that history with the migration's statement.
// Usage (after `npm run build`):
//   npm run bench:insights -- [--customers 1000000] [--distinct 100000] [--reuse] [--runs 7] [--seed 42]
//     [--database-url postgres://postgres@127.0.0.1:5432/tagforge_bench_insights]
// Progress goes to stderr; the last line of stdout is one JSON object.

const DAY = 86_400_000;

interface Figure {
  name: string;
  targetMs: number;
  product: (environment: BenchEnvironment) => Promise<unknown>;
  peer: (db: PoolClient) => Promise<unknown>;
  // the two answers agree (a check, so a fast wrong answer cannot pass)
  check: (product: unknown, peer: unknown) => string | null;
}

const COUNT_RULE = {
  and: [{ var: 'tags.high_intent' }, { var: 'tags.low_risk' }, { '!': { var: 'tags.do_not_market' } }],
};

function figures(now: number): Figure[] {
  const from = new Date(now - 89 * DAY).toISOString();
  return [
    {
      name: 'sizes: 90-day daily series of high_intent_loan_demand',
      targetMs: 100,
      product: (environment) =>
        environment.http.expect(
          200,
          'GET',
          `/v1/audiences/high_intent_loan_demand/sizes?interval=day&from=${encodeURIComponent(from)}`,
        ),
      peer: async (db) =>
        (
          await db.query(
            `SELECT day, sum(delta) OVER (ORDER BY day) AS size FROM (
               SELECT ${SIZE_DAY('at')} AS day,
                      sum(CASE WHEN changes -> 'high_intent_loan_demand' ->> 0 IS NULL THEN 1
                               WHEN changes -> 'high_intent_loan_demand' ->> 1 IS NULL THEN -1 ELSE 0 END) AS delta
                 FROM tag_history WHERE tag_ids @> ARRAY['high_intent_loan_demand']::varchar[] AND cause <> 'erasure'
                GROUP BY 1) d
             ORDER BY day`,
          )
        ).rows,
      check: (product, peer) => {
        const points = (product as { points: { size: number }[] }).points;
        const rows = peer as { size: string }[];
        const last = Number(rows[rows.length - 1]?.size ?? 0);
        return points.length === 90 && points[89].size === last
          ? null
          : `last size ${points[89]?.size} vs ${last}`;
      },
    },
    {
      name: 'overlap: the 8 headline segments',
      targetMs: 1000,
      product: (environment) =>
        environment.http.expect(200, 'POST', '/v1/insights/overlap', { audiences: HEADLINE }),
      peer: async (db) => {
        const matrix: number[][] = HEADLINE.map(() => HEADLINE.map(() => 0));
        for (let i = 0; i < HEADLINE.length; i += 1) {
          matrix[i][i] = (
            await db.query(`SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = $1`, [HEADLINE[i]])
          ).rows[0].n;
          for (let j = i + 1; j < HEADLINE.length; j += 1) {
            const n = (
              await db.query(
                `SELECT count(*)::int AS n FROM customer_tag a JOIN customer_tag b ON b.customer_id = a.customer_id
                  WHERE a.tag_id = $1 AND b.tag_id = $2`,
                [HEADLINE[i], HEADLINE[j]],
              )
            ).rows[0].n;
            matrix[i][j] = n;
            matrix[j][i] = n;
          }
        }
        return matrix;
      },
      check: (product, peer) =>
        JSON.stringify((product as { intersections: number[][] }).intersections) === JSON.stringify(peer)
          ? null
          : 'the matrices differ',
    },
    {
      name: 'count: high_intent AND low_risk AND NOT do_not_market (with a sample of 10)',
      targetMs: 500,
      product: (environment) =>
        environment.http.expect(200, 'POST', '/v1/insights/count', { rule: COUNT_RULE, sample: 10 }),
      peer: async (db) =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM customer_tag h
              WHERE h.tag_id = 'high_intent'
                AND EXISTS (SELECT 1 FROM customer_tag l WHERE l.customer_id = h.customer_id AND l.tag_id = 'low_risk')
                AND NOT EXISTS (SELECT 1 FROM customer_tag d WHERE d.customer_id = h.customer_id AND d.tag_id = 'do_not_market')`,
          )
        ).rows[0].n,
      check: (product, peer) =>
        (product as { size: number }).size === peer
          ? null
          : `${(product as { size: number }).size} vs ${String(peer)}`,
    },
    {
      name: 'breakdown: high_intent_loan_demand by age_band (TGI)',
      targetMs: 500,
      product: (environment) =>
        environment.http.expect(
          200,
          'GET',
          '/v1/insights/breakdown?audience=high_intent_loan_demand&by=age_band',
        ),
      peer: async (db) => {
        const inside = await db.query(
          `SELECT b.value #>> '{}' AS key, count(*)::int AS n FROM customer_tag a
             JOIN customer_tag b ON b.customer_id = a.customer_id AND b.tag_id = 'age_band'
            WHERE a.tag_id = 'high_intent_loan_demand' GROUP BY 1`,
        );
        const everyone = await db.query(
          `SELECT value #>> '{}' AS key, count(*)::int AS n FROM customer_tag WHERE tag_id = 'age_band' GROUP BY 1`,
        );
        return { inside: inside.rows, everyone: everyone.rows };
      },
      check: (product, peer) => {
        const rows = (product as { rows: { key: string | null; audience: number }[] }).rows;
        const inside = (peer as { inside: { key: string; n: number }[] }).inside;
        return inside.every((row) => rows.find((r) => r.key === row.key)?.audience === row.n)
          ? null
          : 'counts differ';
      },
    },
  ];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const customers = positiveInteger('--customers', 1_000_000);
  const distinct = positiveInteger('--distinct', 100_000);
  const runs = positiveInteger('--runs', 7);
  const seed = positiveInteger('--seed', 42);
  const reuse = process.argv.includes('--reuse');
  const options = {
    ...commonOptions(),
    databaseUrl: argument('--database-url') ?? 'postgres://postgres@127.0.0.1:5432/tagforge_bench_insights',
  };
  const environment = await BenchEnvironment.start(options, !reuse);
  try {
    await environment.stopWorker();
    const { rows } = await environment.db.query<{ n: number; at: Date | null }>(
      `SELECT count(*)::int AS n, max(at) AS at FROM customer_profile p, LATERAL (SELECT max(at) AS at FROM tag_history) e WHERE p.version > 0`,
    );
    let loading: Awaited<ReturnType<typeof loadInsightsPopulation>> | null = null;
    let now = Date.now();
    if (!reuse || rows[0].n !== customers) {
      if (reuse)
        throw new Error(`the database holds ${rows[0].n} customers, not ${customers}: run without --reuse`);
      loading = await loadInsightsPopulation(environment, customers, distinct, seed, now);
      progress(
        `loaded in ${loading.loadSeconds.toFixed(1)} s (evaluation ${loading.evaluateSeconds.toFixed(1)} s)`,
      );
    } else {
      now = rows[0].at?.getTime() ?? now;
    }
    const peerPool = new Pool({ connectionString: options.databaseUrl, max: 1 });
    const peer = await peerPool.connect();
    const results = [];
    for (const figure of figures(now)) {
      // One untimed call each first (plans, caches), then alternating timed calls.
      const productAnswer = await figure.product(environment);
      const peerAnswer = await figure.peer(peer);
      const problem = figure.check(productAnswer, peerAnswer);
      if (problem) throw new Error(`${figure.name}: the product and its peer disagree: ${problem}`);
      const productMs: number[] = [];
      const peerMs: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        let started = performance.now();
        await figure.product(environment);
        productMs.push(performance.now() - started);
        started = performance.now();
        await figure.peer(peer);
        peerMs.push(performance.now() - started);
      }
      const result = {
        figure: figure.name,
        targetMs: figure.targetMs,
        productMs: Math.round(median(productMs) * 10) / 10,
        peerMs: Math.round(median(peerMs) * 10) / 10,
        ratio: Math.round((median(peerMs) / median(productMs)) * 100) / 100,
      };
      progress(
        `${result.figure}: ${result.productMs} ms (target ${result.targetMs}), plain SQL ${result.peerMs} ms, peer/product ${result.ratio}`,
      );
      results.push(result);
    }
    peer.release();
    await peerPool.end();
    const postgres = await describePostgres(environment.db);
    const counts = await environment.db.query(
      `SELECT (SELECT count(*) FROM customer_tag)::int AS tags, (SELECT count(*) FROM tag_event)::int AS events,
              (SELECT count(*) FROM audience_size_delta)::int AS rollup`,
    );
    process.stdout.write(
      `${JSON.stringify({ customers, distinct, runs, postgres, rows: counts.rows[0], loading, results })}\n`,
    );
  } finally {
    await environment.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
