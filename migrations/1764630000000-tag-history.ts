import type { MigrationInterface, QueryRunner } from 'typeorm';

// Storage (issue 20): the history is one row per customer per writing statement, not one per tag.
// A first evaluation recorded ~40 tag_event rows per customer (a heap tuple and three B-tree entries
// each); it now records one tag_history row holding every change of the statement:
//   tag_ids  the tags changed, in the order their changes are numbered
//   changes  {tag_id: [old_value, new_value, tag_version]} (JSON null: no value)
// A change is identified as before by (txid, seq): the row takes a block of 4,096 numbers from the
// sequence and its i-th tag (1-based) is seq + i - 1, so feeds and destination cursors keep their
// meaning, and every old cursor stays valid (each old row becomes a row of one change, same seq).
// `tag_event` remains, as a view of one row per change, for readers by customer and for tools.
// Readers by tag go to tag_history through its GIN index on tag_ids (see AudienceRepository).
const MAX_CHANGES_PER_ROW = 4096;

export class TagHistory1764630000000 implements MigrationInterface {
  name = 'TagHistory1764630000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tag_history (
        customer_id varchar(64) COLLATE "C" NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('tag_event_seq'),
        at timestamptz NOT NULL DEFAULT now(),
        txid bigint NOT NULL DEFAULT tagforge_current_txid(),
        tag_ids varchar(64)[] COLLATE "C" NOT NULL,
        changes jsonb NOT NULL,
        profile_version bigint NOT NULL,
        cause varchar(16) NOT NULL,
        run_id uuid,
        CONSTRAINT tag_history_pkey PRIMARY KEY (customer_id, seq, at),
        CONSTRAINT tag_history_changes_check CHECK (cardinality(tag_ids) BETWEEN 1 AND ${MAX_CHANGES_PER_ROW})
      ) PARTITION BY RANGE (at)`);
    await queryRunner.query(`CREATE TABLE tag_history_default PARTITION OF tag_history DEFAULT`);
    await copyMonthlyPartitions(queryRunner, 'tag_event', 'tag_history');
    // Existing history converted in place: each row a row of one change with its own seq.
    await queryRunner.query(`
      INSERT INTO tag_history (customer_id, seq, at, txid, tag_ids, changes, profile_version, cause, run_id)
      SELECT customer_id, seq, at, txid, ARRAY[tag_id],
             jsonb_build_object(tag_id, jsonb_build_array(old_value, new_value, tag_version)),
             profile_version, cause, run_id
        FROM tag_event`);
    await queryRunner.query(`DROP TABLE tag_event`);
    // Feeds read in (txid, seq) order; readers by tag find a tag's rows through tag_ids.
    await queryRunner.query(`CREATE INDEX tag_history_feed_idx ON tag_history (txid, seq)`);
    await queryRunner.query(`CREATE INDEX tag_history_tags_idx ON tag_history USING gin (tag_ids)`);
    await queryRunner.query(`ALTER SEQUENCE tag_event_seq INCREMENT BY ${MAX_CHANGES_PER_ROW}`);
    await queryRunner.query(`ALTER SEQUENCE tag_event_seq RENAME TO tag_history_seq`);
    await queryRunner.query(
      `ALTER TABLE tag_history ALTER COLUMN seq SET DEFAULT nextval('tag_history_seq')`,
    );
    await queryRunner.query(`
      CREATE VIEW tag_event AS
      SELECT h.customer_id, h.seq + u.ord - 1 AS seq, h.at, u.tag_id,
             nullif(h.changes -> u.tag_id -> 0, 'null'::jsonb) AS old_value,
             nullif(h.changes -> u.tag_id -> 1, 'null'::jsonb) AS new_value,
             (h.changes -> u.tag_id ->> 2)::int AS tag_version,
             h.profile_version, h.cause, h.run_id, h.txid
        FROM tag_history h CROSS JOIN LATERAL unnest(h.tag_ids) WITH ORDINALITY AS u(tag_id, ord)`);
    // Tools and tests that write history rows one change at a time still can: each becomes a row.
    await queryRunner.query(`
      CREATE FUNCTION tagforge_tag_event_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.seq := coalesce(NEW.seq, nextval('tag_history_seq'));
        NEW.at := coalesce(NEW.at, now());
        NEW.txid := coalesce(NEW.txid, tagforge_current_txid());
        INSERT INTO tag_history (customer_id, seq, at, txid, tag_ids, changes, profile_version, cause, run_id)
        VALUES (NEW.customer_id, NEW.seq, NEW.at, NEW.txid, ARRAY[NEW.tag_id],
                jsonb_build_object(NEW.tag_id, jsonb_build_array(NEW.old_value, NEW.new_value, NEW.tag_version)),
                NEW.profile_version, NEW.cause, NEW.run_id);
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tag_event_insert INSTEAD OF INSERT ON tag_event
        FOR EACH ROW EXECUTE FUNCTION tagforge_tag_event_insert()`);
    await queryRunner.query(`GRANT SELECT, INSERT ON tag_event TO tagforge_app`);
    await queryRunner.query(`GRANT SELECT, INSERT, DELETE ON tag_history TO tagforge_app`);
    await queryRunner.query(`GRANT USAGE, SELECT ON SEQUENCE tag_history_seq TO tagforge_app`);
    await queryRunner.query(
      `DROP FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz)`,
    );
    await queryRunner.query(ensurePartitionFunction('tag_history'));
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz) TO tagforge_app`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tag_event_rows AS SELECT customer_id, seq, at, tag_id, old_value, new_value, tag_version,
             profile_version, cause, run_id, txid FROM tag_event`);
    await queryRunner.query(`DROP VIEW tag_event`);
    await queryRunner.query(`DROP FUNCTION tagforge_tag_event_insert()`);
    await queryRunner.query(`ALTER SEQUENCE tag_history_seq RENAME TO tag_event_seq`);
    await queryRunner.query(`ALTER SEQUENCE tag_event_seq INCREMENT BY 1`);
    await queryRunner.query(`
      CREATE TABLE tag_event (
        customer_id varchar(64) COLLATE "C" NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('tag_event_seq'),
        at timestamptz NOT NULL DEFAULT now(),
        tag_id varchar(64) COLLATE "C" NOT NULL,
        old_value jsonb,
        new_value jsonb,
        tag_version integer NOT NULL,
        profile_version bigint NOT NULL,
        cause varchar(16) NOT NULL,
        run_id uuid,
        txid bigint NOT NULL DEFAULT tagforge_current_txid(),
        CONSTRAINT tag_event_pkey PRIMARY KEY (customer_id, seq, at)
      ) PARTITION BY RANGE (at)`);
    await queryRunner.query(`CREATE TABLE tag_event_default PARTITION OF tag_event DEFAULT`);
    await copyMonthlyPartitions(queryRunner, 'tag_history', 'tag_event');
    await queryRunner.query(`INSERT INTO tag_event SELECT * FROM tag_event_rows`);
    await queryRunner.query(`DROP TABLE tag_event_rows`);
    await queryRunner.query(`DROP TABLE tag_history`);
    await queryRunner.query(`CREATE INDEX tag_event_feed_idx ON tag_event (tag_id, txid, seq)`);
    await queryRunner.query(
      `CREATE INDEX tag_event_membership_idx ON tag_event (tag_id, customer_id, at, seq)`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tag_event TO tagforge_app`);
    await queryRunner.query(
      `DROP FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz)`,
    );
    await queryRunner.query(ensurePartitionFunction('tag_event'));
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz) FROM PUBLIC`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION tagforge_ensure_history_partition(text, timestamptz, timestamptz) TO tagforge_app`,
    );
  }
}

// The monthly partitions `from` has (named <from>_yYYYYmMM), created for `to` with the same bounds.
async function copyMonthlyPartitions(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  const months: { name: string; bound: string }[] = await queryRunner.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass AND c.relname ~ ('^' || $1 || '_y[0-9]{4}m[0-9]{2}$')`,
    [from],
  );
  for (const { name, bound } of months) {
    await queryRunner.query(`CREATE TABLE ${to}${name.slice(from.length)} PARTITION OF ${to} ${bound}`);
  }
}

// Creating a partition needs the table's owner; the services' role calls this (SECURITY DEFINER).
function ensurePartitionFunction(table: 'tag_history' | 'tag_event'): string {
  return `
    CREATE FUNCTION tagforge_ensure_history_partition(name text, from_at timestamptz, to_at timestamptz)
      RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF name !~ '^${table}_y[0-9]{4}m[0-9]{2}$' THEN
        RAISE EXCEPTION 'not a history partition name: %', name;
      END IF;
      IF EXISTS (SELECT 1 FROM pg_class WHERE relname = name) THEN RETURN false; END IF;
      EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF ${table} FOR VALUES FROM (%L) TO (%L)',
                     name, from_at, to_at);
      RETURN true;
    END $$`;
}
