import type { MigrationInterface, QueryRunner } from 'typeorm';

const ID_COLUMNS: [table: string, column: string][] = [
  ['customer_profile', 'customer_id'],
  ['customer_tag', 'customer_id'],
  ['customer_tag', 'tag_id'],
  ['tag_event', 'customer_id'],
  ['tag_event', 'tag_id'],
  ['tag_definition', 'tag_id'],
  ['sandbox_result', 'customer_id'],
  ['sandbox_result', 'tag_id'],
];

// Trust (issue 14):
// - Every id column compares bytewise (COLLATE "C"), as JavaScript compares strings: chunk ranges,
//   sandbox samples and keyset cursors are computed in JS and compared in SQL, and on a database
//   created with en_US or an ICU locale mixed-case ids were skipped or counted twice. (tag_event's
//   partitions and every index on these columns follow the parent's type change.)
// - definition_change_set: definitions pushed or imported under maker-checker, approved and activated
//   together with one run; a retirement under maker-checker waits in one too.
// - tagforge_ensure_history_partition: creating a partition needs the owner of tag_event; services
//   connecting as a login role of tagforge_app (not the owner) create next months' partitions through it.
export class Trust1764400000000 implements MigrationInterface {
  name = 'Trust1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, column] of ID_COLUMNS) {
      await queryRunner.query(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE varchar(64) COLLATE "C"`);
    }
    await queryRunner.query(`
      CREATE TABLE definition_change_set (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        status varchar(16) NOT NULL DEFAULT 'pending',
        source varchar(16) NOT NULL,
        versions jsonb NOT NULL DEFAULT '[]'::jsonb,
        retire text[] NOT NULL DEFAULT '{}'::text[],
        created_by varchar(128) NOT NULL,
        created_by_key uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        approved_by varchar(128),
        approved_by_key uuid,
        approved_at timestamptz,
        finished_at timestamptz,
        run_id uuid,
        CONSTRAINT definition_change_set_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX definition_change_set_created_idx ON definition_change_set (created_at)`,
    );
    await queryRunner.query(`
      CREATE FUNCTION tagforge_ensure_history_partition(name text, from_at timestamptz, to_at timestamptz)
        RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      BEGIN
        IF name !~ '^tag_event_y[0-9]{4}m[0-9]{2}$' THEN
          RAISE EXCEPTION 'not a history partition name: %', name;
        END IF;
        IF EXISTS (SELECT 1 FROM pg_class WHERE relname = name) THEN RETURN false; END IF;
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF tag_event FOR VALUES FROM (%L) TO (%L)',
                       name, from_at, to_at);
        RETURN true;
      END $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz) TO tagforge_app`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON definition_change_set TO tagforge_app`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz)`,
    );
    await queryRunner.query(`DROP TABLE definition_change_set`);
    for (const [table, column] of ID_COLUMNS) {
      await queryRunner.query(
        `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE varchar(64) COLLATE "default"`,
      );
    }
  }
}
