import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { migrate } from '@tagforge/persistence';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { describePostgres } from './postgres-settings';

// "A campaign report over a 200,000-member campaign at 1,000,000 customers in under a second"
// (issue 16), beside a plain-SQL peer in the same run. The population is written in SQL (this bench
// measures the campaign paths, not evaluation): 1M profiles, a segment of 200k, a category tag over
// everyone (with its first events in tag_history, and 1 % of members changed after the freeze), a
// boolean outcome tag, and the campaign's outcomes. Then, through the API in this process:
//   (a) POST /v1/campaigns: the freeze of 200k members with the split in SQL
//   (b) POST /v1/campaigns/{id}/outcomes: one batch of 10,000 NDJSON lines
//   (c) GET /v1/campaigns/{id}/report
//   (d) GET /v1/campaigns/{id}/report?by=<category tag>, values as the freeze saw them
//   (e) GET /v1/insights/outcomes?audience=&outcome=
// each the median of --repeat runs, against the plain SQL a hand-written query would run.
//   npm run build && node dist/test/bench/campaigns.bench.js [--customers 1000000] [--members 200000]
//     [--repeat 5] [--reuse] [--database-url postgres://postgres@127.0.0.1:5432/tagforge_bench_campaigns]
// Progress goes to stderr; the last line of stdout is one JSON object.

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1];
}

const CUSTOMERS = Number(argument('--customers', '1000000'));
const MEMBERS = Number(argument('--members', '200000'));
const REPEAT = Number(argument('--repeat', '5'));
const DATABASE_URL = argument(
  '--database-url',
  'postgres://postgres@127.0.0.1:5432/tagforge_bench_campaigns',
);
const KEY = 'campaigns-bench-key-0123456789abcdef';
const STEP = Math.floor(CUSTOMERS / MEMBERS);
const started = performance.now();
const progress = (message: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(7)}s] ${message}\n`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(repeat: number, work: (run: number) => Promise<unknown>): Promise<number> {
  await work(-1);
  const times: number[] = [];
  for (let run = 0; run < repeat; run += 1) {
    const start = performance.now();
    await work(run);
    times.push(performance.now() - start);
  }
  return median(times);
}

const DEFINITIONS = [
  ['bench_segment', 'segment', 'marketing', '{"var":"tags.bench_flag"}', '{}', '{bench_flag}'],
  ['bench_flag', 'boolean', 'marketing', '{"var":"marketing.optOut"}', '{marketing.optOut}', '{}'],
  ['bench_outcome', 'boolean', 'marketing', '{"var":"marketing.optOut"}', '{marketing.optOut}', '{}'],
  [
    'bench_channel',
    'category',
    'marketing',
    '{"var":"marketing.preferredChannel"}',
    '{marketing.preferredChannel}',
    '{}',
  ],
];

async function populate(db: Client): Promise<void> {
  const id = (column: string) => `'C' || lpad(${column}::text, 7, '0')`;
  await db.query(`SET synchronous_commit = off`);
  for (const [tagId, kind, purpose, rule, paths, tags] of DEFINITIONS) {
    await db.query(
      `INSERT INTO tag_definition (tag_id, version, status, kind, purpose, rule, depends_on_paths, depends_on_tags,
                                  checksum, created_by, activated_at)
       VALUES ($1::varchar, 1, 'active', $2, $3, $4::jsonb, $5::text[], $6::text[], md5($1::text), 'bench', now())`,
      [tagId, kind, purpose, rule, paths, tags],
    );
  }
  progress(`writing ${CUSTOMERS} profiles`);
  await db.query(
    `INSERT INTO customer_profile (customer_id, profile, section_versions, version, evaluated_version)
     SELECT ${id('i')}, '{}'::jsonb, '{}'::jsonb, 1, 1 FROM generate_series(1, $1::int) i`,
    [CUSTOMERS],
  );
  progress('writing tags and their first events');
  await db.query(
    `INSERT INTO customer_tag (customer_id, tag_id, value, tag_version, since)
     SELECT ${id('i')}, 'bench_segment', 'true'::jsonb, 1, now() FROM generate_series($2::int, $1::int, $2::int) i
     UNION ALL SELECT ${id('i')}, 'bench_flag', 'true'::jsonb, 1, now() FROM generate_series($2::int, $1::int, $2::int) i
     UNION ALL SELECT ${id('i')}, 'bench_outcome', 'true'::jsonb, 1, now() FROM generate_series(1, $1::int) i WHERE i % 7 = 0
     UNION ALL SELECT ${id('i')}, 'bench_channel',
                      to_jsonb((ARRAY['sms','app','wechat','phone','branch'])[1 + i % 5]), 1, now()
                 FROM generate_series(1, $1::int) i`,
    [CUSTOMERS, STEP],
  );
  await db.query(
    `INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause)
     SELECT customer_id, array_agg(tag_id), jsonb_object_agg(tag_id, jsonb_build_array(NULL, value, 1)), 1, 'profile'
       FROM customer_tag GROUP BY customer_id`,
  );
  await db.query(`ANALYZE`);
  await db.query(`RESET synchronous_commit`);
}

async function main(): Promise<void> {
  if (!process.argv.includes('--reuse')) {
    const admin = new Client({ connectionString: DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${new URL(DATABASE_URL).pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
  }
  await migrate(DATABASE_URL);
  const sql = new Client({ connectionString: DATABASE_URL });
  await sql.connect();
  const { rows: count } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM customer_profile`);
  if (count[0].n !== CUSTOMERS) {
    if (count[0].n !== 0)
      throw new Error(`--reuse on a database of ${count[0].n} customers, not ${CUSTOMERS}`);
    await populate(sql);
  }
  await sql.query(`DELETE FROM campaign; DELETE FROM campaign_member; DELETE FROM campaign_outcome`);
  progress(await describePostgres(sql));

  Object.assign(process.env, {
    DATABASE_URL,
    BOOTSTRAP_API_KEY: KEY,
    LOG_LEVEL: 'warn',
    DEFINITIONS_IMPORT: 'never',
    QUEUE_PREFIX: '{tagforge-bench-campaigns}',
    RATE_LIMIT_PER_SECOND: '100000',
    DB_STATEMENT_TIMEOUT_MS: '600000',
  });
  const app = await createApiApp();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'Content-Type': type }) },
      body,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  progress(`(a) freezing ${MEMBERS} members, ${REPEAT} times, beside INSERT ... SELECT into a scratch table`);
  const freeze = await timed(REPEAT, (run) =>
    call(
      'POST',
      '/v1/campaigns',
      JSON.stringify({
        id: `bench-${run + 1}`,
        name: 'bench',
        audience: 'bench_segment',
        channel: 'app',
        holdoutPercent: 10,
      }),
      'application/json',
    ),
  );
  await sql.query(
    `CREATE UNLOGGED TABLE IF NOT EXISTS bench_peer_member (customer_id varchar(64), campaign_id varchar(64), group_name varchar(8))`,
  );
  const freezePeer = await timed(REPEAT, async () => {
    await sql.query(`TRUNCATE bench_peer_member`);
    await sql.query(
      `INSERT INTO bench_peer_member SELECT customer_id, 'peer',
              CASE WHEN (('x' || substr(md5('peer:' || customer_id), 1, 8))::bit(32)::bigint % 10000) < 1000
                   THEN 'control' ELSE 'target' END
         FROM customer_tag WHERE tag_id = 'bench_segment'`,
    );
  });
  const campaign = 'bench-0';
  // The campaign the reports read: frozen, then 1 % of its members change channel, then outcomes.
  progress('writing outcomes (60 % contacted, 8 % converted) and changing 1 % of channels after the freeze');
  await sql.query(
    `INSERT INTO campaign_outcome (customer_id, campaign_id, outcome, at)
     SELECT customer_id, $1, 'contacted', now() FROM campaign_member WHERE campaign_id = $1 AND hashtext(customer_id) % 10 < 6
     UNION ALL
     SELECT customer_id, $1, 'converted', now() FROM campaign_member WHERE campaign_id = $1 AND abs(hashtext(customer_id)) % 100 < 8`,
    [campaign],
  );
  await sql.query(
    `WITH changed AS (
       UPDATE customer_tag SET value = '"branch"' WHERE tag_id = 'bench_channel'
          AND customer_id IN (SELECT customer_id FROM campaign_member WHERE campaign_id = $1 AND abs(hashtext(customer_id)) % 100 = 1)
       RETURNING customer_id)
     INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause)
     SELECT customer_id, ARRAY['bench_channel']::varchar[], '{"bench_channel": ["sms", "branch", 1]}', 2, 'profile'
       FROM changed`,
    [campaign],
  );
  // This cluster runs with autovacuum off: vacuum as it would have, so index-only scans stay index-only.
  await sql.query(`VACUUM ANALYZE campaign_member, campaign_outcome, customer_tag, tag_history`);

  progress(`(b) one batch of 10,000 outcome lines, ${REPEAT} times`);
  const { rows: members } = await sql.query<{ customer_id: string }>(
    `SELECT customer_id FROM campaign_member WHERE campaign_id = $1 ORDER BY customer_id LIMIT 10000`,
    [campaign],
  );
  const outcomes = await timed(REPEAT, (run) =>
    call(
      'POST',
      `/v1/campaigns/${campaign}/outcomes`,
      `${members
        .map(({ customer_id }) =>
          JSON.stringify({
            customerId: customer_id,
            outcome: 'responded',
            at: new Date(Date.now() - 60_000 - run).toISOString(),
          }),
        )
        .join('\n')}\n`,
      'application/x-ndjson',
    ),
  );
  const outcomesPeer = await timed(REPEAT, (run) =>
    sql.query(
      `INSERT INTO campaign_outcome AS o (customer_id, campaign_id, outcome, at)
       SELECT customer_id, $1, 'responded', $3 FROM unnest($2::varchar[]) AS customer_id
       ON CONFLICT (customer_id, campaign_id, outcome) DO UPDATE SET at = EXCLUDED.at`,
      [campaign, members.map((row) => row.customer_id), new Date(Date.now() - 120_000 - run)],
    ),
  );

  progress(`(c) the report, ${REPEAT} times`);
  const report = await timed(REPEAT, () => call('GET', `/v1/campaigns/${campaign}/report`));
  const reportPeer = await timed(REPEAT, () =>
    sql.query(
      `SELECT m.group_name, count(*) AS members,
              count(*) FILTER (WHERE o.contacted) AS contacted, count(*) FILTER (WHERE o.converted) AS converted,
              count(*) FILTER (WHERE o.responded) AS responded
         FROM campaign_member m
         LEFT JOIN (SELECT customer_id, bool_or(outcome = 'contacted') AS contacted,
                           bool_or(outcome = 'converted') AS converted, bool_or(outcome = 'responded') AS responded
                      FROM campaign_outcome WHERE campaign_id = $1 GROUP BY customer_id) o USING (customer_id)
        WHERE m.campaign_id = $1 GROUP BY 1`,
      [campaign],
    ),
  );
  progress(`(d) the report by a category tag, ${REPEAT} times`);
  const byTag = await timed(REPEAT, () => call('GET', `/v1/campaigns/${campaign}/report?by=bench_channel`));
  // The peer takes the current value: it does not correct for changes since the freeze.
  const byTagPeer = await timed(REPEAT, () =>
    sql.query(
      `SELECT m.group_name, t.value, count(*) AS members, count(*) FILTER (WHERE o.converted) AS converted
         FROM campaign_member m
         LEFT JOIN (SELECT customer_id, bool_or(outcome = 'converted') AS converted
                      FROM campaign_outcome WHERE campaign_id = $1 GROUP BY customer_id) o USING (customer_id)
         LEFT JOIN customer_tag t ON t.tag_id = 'bench_channel' AND t.customer_id = m.customer_id
        WHERE m.campaign_id = $1 GROUP BY 1, 2`,
      [campaign],
    ),
  );
  progress(`(e) an audience against the rest on a boolean outcome tag, ${REPEAT} times`);
  const comparison = await timed(REPEAT, () =>
    call('GET', '/v1/insights/outcomes?audience=bench_segment&outcome=bench_outcome'),
  );
  const comparisonPeer = await timed(REPEAT, () =>
    sql.query(
      `SELECT (a.customer_id IS NOT NULL) AS inside, count(*), count(o.customer_id)
         FROM customer_profile p
         LEFT JOIN customer_tag a ON a.tag_id = 'bench_segment' AND a.customer_id = p.customer_id
         LEFT JOIN customer_tag o ON o.tag_id = 'bench_outcome' AND o.customer_id = p.customer_id
        WHERE p.version > 0 GROUP BY 1`,
    ),
  );
  await app.close();
  await sql.end();

  const figures = {
    customers: CUSTOMERS,
    members: MEMBERS,
    repeat: REPEAT,
    freezeMs: freeze,
    freezePeerMs: freezePeer,
    outcomeBatchMs: outcomes,
    outcomeBatchPeerMs: outcomesPeer,
    reportMs: report,
    reportPeerMs: reportPeer,
    reportByTagMs: byTag,
    reportByTagPeerMs: byTagPeer,
    comparisonMs: comparison,
    comparisonPeerMs: comparisonPeer,
  };
  const line = (name: string, ms: number, peer: number) =>
    `${name.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms   plain SQL ${peer.toFixed(0).padStart(7)} ms   ratio ${(ms / peer).toFixed(2)}\n`;
  process.stdout.write(
    line(`(a) freeze ${MEMBERS} members`, freeze, freezePeer) +
      line('(b) 10,000 outcome lines', outcomes, outcomesPeer) +
      line('(c) report', report, reportPeer) +
      line('(d) report by a category tag (at the freeze)', byTag, byTagPeer) +
      line('(e) audience vs rest on an outcome tag', comparison, comparisonPeer) +
      `${JSON.stringify(figures)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
