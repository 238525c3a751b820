import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  citusStatements,
  distributionProblems,
  parseCitusPlan,
  readSchema,
  type CitusPlan,
} from '../support/distributable-schema';
import { createTestDatabase } from '../support/test-database';

const SCALING_DOC = join(__dirname, '../../docs/scaling.md');

// Citus is not installable here, so this checks what it requires of the migrated schema (every
// customer table distributed on customer_id, keys and unique indexes leading with it, foreign keys
// only as Citus allows, no sequence relied on as gap-free), against the plan docs/scaling.md states,
// and that the create_distributed_table / create_reference_table block there is the one this schema
// needs. A migration that adds a table, a key or a sequence fails here until the plan says how it
// is distributed.
describe('the schema stays distributable by customer_id (Citus)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;
  let plan: CitusPlan;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
    plan = parseCitusPlan(readFileSync(SCALING_DOC, 'utf8'));
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('meets every rule, with every table and sequence in the plan', async () => {
    const schema = await readSchema(client);
    // The check sees the schema it must: the customer tables and the reference ones.
    expect(schema.tables.map((table) => table.name)).toEqual(
      expect.arrayContaining([
        'customer_profile',
        'customer_tag',
        'tag_history',
        'tag_definition',
        'audit_log',
      ]),
    );
    expect(schema.sequences.map((sequence) => sequence.name)).toContain('tag_history_seq');
    expect(distributionProblems(schema, plan)).toEqual([]);
  });

  it('lists in docs/scaling.md exactly the statements that distribute this schema', async () => {
    const expected = citusStatements(await readSchema(client), plan);
    expect(expected).toContain("create_distributed_table('customer_tag', 'customer_id'");
    // On a difference, paste the expected block into docs/scaling.md ("The Citus plan").
    expect(plan.statements).toBe(expected);
  });

  // What a migration could do wrong, applied in a transaction that is rolled back.
  const brokenBy = async (
    ddl: string,
    extraPlan: Partial<Record<string, 'distributed' | 'reference' | 'local'>> = {},
  ) => {
    await client.query('BEGIN');
    try {
      await client.query(ddl);
      const schema = await readSchema(client);
      const tables = new Map(plan.tables);
      for (const [name, role] of Object.entries(extraPlan)) {
        const table = schema.tables.find((candidate) => candidate.name === name)!;
        tables.set(name, { role: role!, primaryKey: `(${table.primaryKey!.join(', ')})` });
      }
      return distributionProblems(schema, { ...plan, tables });
    } finally {
      await client.query('ROLLBACK');
    }
  };

  it('fails for a customer table the plan does not know, or keyed without customer_id first', async () => {
    const ddl = `CREATE TABLE customer_note (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                   customer_id varchar NOT NULL, note text)`;
    expect(await brokenBy(ddl)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^customer_note: not in docs\/scaling.md's plan/)]),
    );
    expect(await brokenBy(ddl, { customer_note: 'distributed' })).toEqual(
      expect.arrayContaining([
        'customer_note: its primary key (id) does not lead with customer_id',
        expect.stringMatching(/^customer_note_id_seq: a sequence docs\/scaling.md does not list/),
      ]),
    );
    expect(await brokenBy(ddl, { customer_note: 'reference' })).toEqual(
      expect.arrayContaining([
        'customer_note: holds customer_id but is planned as reference, not distributed',
      ]),
    );
  });

  it('fails for a unique index without customer_id first on a distributed table', async () => {
    expect(
      await brokenBy(`CREATE UNIQUE INDEX customer_tag_since_idx ON customer_tag (tag_id, since)`),
    ).toEqual([
      'customer_tag: unique index customer_tag_since_idx (tag_id, since) does not lead with customer_id',
    ]);
  });

  it('fails for foreign keys Citus refuses', async () => {
    expect(
      await brokenBy(`ALTER TABLE sandbox_result ADD COLUMN referred_by varchar
                        REFERENCES customer_profile (customer_id)`),
    ).toEqual([
      expect.stringMatching(
        /a foreign key between distributed tables sandbox_result -> customer_profile not on customer_id$/,
      ),
    ]);
    expect(
      await brokenBy(`ALTER TABLE evaluation_run ADD COLUMN requested_for varchar
                        REFERENCES customer_profile (customer_id)`),
    ).toEqual([
      expect.stringMatching(/a reference table evaluation_run references the distributed customer_profile$/),
    ]);
    // On the distribution column, between co-located tables: allowed.
    expect(
      await brokenBy(`ALTER TABLE customer_tag ADD CONSTRAINT customer_tag_profile_fk
                        FOREIGN KEY (customer_id) REFERENCES customer_profile (customer_id)`),
    ).toEqual([]);
  });

  it('fails for a narrow sequence on a distributed table, and for one the plan relies on as gap-free', async () => {
    expect(await brokenBy(`ALTER TABLE customer_tag ADD COLUMN n serial`)).toEqual([
      expect.stringMatching(/^customer_tag_n_seq: a sequence docs\/scaling.md does not list/),
      'customer_tag_n_seq: feeds distributed customer_tag.n but is integer, not bigint',
    ]);
    const schema = await readSchema(client);
    const sequences = new Map(plan.sequences).set('tag_history_seq', 'gap-free numbering of history rows');
    expect(distributionProblems(schema, { ...plan, sequences })).toEqual([
      'tag_history_seq: relied on as gap-free, which no sequence is across shards',
    ]);
  });
});
