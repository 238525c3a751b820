import { migrate, pendingSchemaChanges } from '@tagforge/persistence';
import { Client } from 'pg';
import { ADMIN_URL, databaseUrl } from '../support/test-database';

describe('migrations', () => {
  const name = `tagforge_test_${process.env.TAGFORGE_TEST_RUN ?? process.pid}_empty`;
  const url = databaseUrl(name);
  afterAll(async () => {
    const client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  });

  it('creates the database, applies every migration once, even when started concurrently', async () => {
    const reports = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const applied = reports.flatMap((report) => report.applied);
    expect(applied).toEqual([
      'InitialSchema1764331200000',
      'EvaluationBookkeeping1764338400000',
      'AudienceFeeds1764345600000',
      'Governance1764352800000',
      'Sandbox1764360000000',
      'TagDigest1764367200000',
      'Trust1764400000000',
      'Destinations1764600000000',
      'Insights1764610000000',
      'Campaigns1764620000000',
      'TagHistory1764630000000',
      'SizeRollupLastChange1764640000000',
    ]);
    expect(reports.filter((report) => report.createdDatabase)).toHaveLength(1);
  });

  it('leaves no difference between the entities and the migrated schema', async () => {
    expect(await pendingSchemaChanges(url)).toEqual([]);
  });

  it('keys every customer table by customer_id first', async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ table: string; first: string }>(`
      SELECT c.relname AS table, a.attname AS first
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
       WHERE i.indisprimary AND c.relname IN ('customer_profile', 'customer_tag', 'tag_history')`);
    await client.end();
    expect(rows.map((row) => row.first)).toEqual(['customer_id', 'customer_id', 'customer_id']);
  });
});
