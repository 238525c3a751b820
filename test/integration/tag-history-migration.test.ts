import { createDataSource, migrate } from '@tagforge/persistence';
import { Client } from 'pg';
import { ADMIN_URL, databaseUrl } from '../support/test-database';

// Migration TagHistory converts a populated database of the previous schema in place: every history
// row (one per change in tag_event) is kept with its seq, txid, instant and values, in the partition
// of its month, and read back through the tag_event view exactly as it was; current tags are
// untouched; new rows number their changes after every old one.
describe('migration TagHistory on a populated database', () => {
  const name = `tagforge_test_${process.env.TAGFORGE_TEST_RUN ?? process.pid}_tag_history`;
  const url = databaseUrl(name);
  let db: Client;

  beforeAll(async () => {
    await migrate(url);
    // Back to the schema before it (undoing the migrations after it first): tag_event as a table of
    // one row per change.
    const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'tagforge-test' });
    await dataSource.initialize();
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.destroy();
    db = new Client({ connectionString: url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  const HISTORY = `SELECT customer_id, seq::text, at, tag_id, old_value, new_value, tag_version,
                          profile_version::text, cause, run_id, txid::text
                     FROM tag_event ORDER BY customer_id, seq`;

  it('keeps every customer’s tags and history, and numbers new changes after the old ones', async () => {
    const { rows: table } = await db.query(`SELECT c.relkind FROM pg_class c WHERE c.relname = 'tag_event'`);
    expect(table[0].relkind).toBe('p');
    await db.query(
      `SELECT tagforge_ensure_history_partition('tag_event_y2026m10', '2026-10-01', '2026-11-01')`,
    );
    // 60 customers: a first evaluation in October (several tags each, in one transaction per 20
    // customers), later changes and removals in other transactions, one run, one erasure notice.
    for (let block = 0; block < 3; block += 1) {
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO customer_profile (customer_id, profile, version, evaluated_version)
         SELECT 'M' || lpad(i::text, 4, '0'), '{}', 2, 2 FROM generate_series($1::int, $1::int + 19) i`,
        [block * 20],
      );
      await db.query(
        `INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, at)
         SELECT 'M' || lpad(i::text, 4, '0'), t.tag_id, NULL, t.value, 1, 1, 'definition',
                timestamptz '2026-10-15 10:00Z' + i * interval '1 minute'
           FROM generate_series($1::int, $1::int + 19) i,
                (VALUES ('opted_out', 'true'::jsonb), ('risk_band', '"low"'), ('balance', '1200.5')) t(tag_id, value)`,
        [block * 20],
      );
      await db.query('COMMIT');
    }
    await db.query(
      `INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id)
       SELECT 'M' || lpad(i::text, 4, '0'), 'risk_band', '"low"', '"high"', 2, 2, 'profile',
              'a8f0d2c4-1b6e-4d3a-9c57-0e2f4b6d8a10'
         FROM generate_series(0, 59, 3) i`,
    );
    await db.query(
      `INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause)
       VALUES ('M0007', 'opted_out', 'true', NULL, 1, 2, 'profile'), ('M0059', 'opted_out', 'true', NULL, 1, 2, 'erasure')`,
    );
    await db.query(
      `INSERT INTO customer_tag (customer_id, tag_id, value, tag_version)
       SELECT customer_id, tag_id, new_value, tag_version FROM (
         SELECT DISTINCT ON (customer_id, tag_id) customer_id, tag_id, new_value, tag_version FROM tag_event
          ORDER BY customer_id, tag_id, seq DESC) last WHERE new_value IS NOT NULL`,
    );
    const before = (await db.query(HISTORY)).rows;
    const tagsBefore = (await db.query(`SELECT * FROM customer_tag ORDER BY customer_id, tag_id`)).rows;
    const octoberBefore = (await db.query(`SELECT count(*)::int AS n FROM tag_event_y2026m10`)).rows[0].n;
    expect(before.length).toBe(3 * 20 * 3 + 20 + 2);
    expect(octoberBefore).toBe(180);

    expect((await migrate(url)).applied).toEqual([
      'TagHistory1764630000000',
      'SizeRollupLastChange1764640000000',
    ]);

    expect((await db.query(HISTORY)).rows).toEqual(before);
    expect((await db.query(`SELECT * FROM customer_tag ORDER BY customer_id, tag_id`)).rows).toEqual(
      tagsBefore,
    );
    expect((await db.query(`SELECT count(*)::int AS n FROM tag_history_y2026m10`)).rows[0].n).toBe(
      octoberBefore,
    );
    expect((await db.query(`SELECT count(*)::int AS n FROM tag_history`)).rows[0].n).toBe(before.length);

    // A new row of two changes: numbered within its block, after every converted change.
    const maxBefore = Math.max(...before.map((row: { seq: string }) => Number(row.seq)));
    await db.query(
      `INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause)
       VALUES ('M0001', ARRAY['risk_band', 'balance'], '{"risk_band": ["low", null, 1], "balance": [1200.5, 99, 3]}', 3, 'profile')`,
    );
    const added = (
      await db.query(
        `SELECT seq::text, tag_id, old_value, new_value, tag_version FROM tag_event
          WHERE customer_id = 'M0001' AND profile_version = 3 ORDER BY seq`,
      )
    ).rows as { seq: string; tag_id: string; old_value: unknown; new_value: unknown; tag_version: number }[];
    expect(
      added.map(({ tag_id, old_value, new_value, tag_version }) => [
        tag_id,
        old_value,
        new_value,
        tag_version,
      ]),
    ).toEqual([
      ['risk_band', 'low', null, 1],
      ['balance', 1200.5, 99, 3],
    ]);
    expect(Number(added[0].seq)).toBeGreaterThan(maxBefore);
    expect(Number(added[1].seq)).toBe(Number(added[0].seq) + 1);
  });
});
