-- A first evaluation's customer_tag rows written with INSERT ... ON CONFLICT DO UPDATE against a plain
-- INSERT (issue 20; docs/performance.md). Needs the database test/bench/storage-shapes.sql leaves.
-- psql -h 127.0.0.1 -U postgres -f test/bench/upsert-vs-insert.sql
\timing on
\c storage_exp
DROP TABLE IF EXISTS ct_a, ct_b;
CREATE TABLE ct_a (LIKE ct_old INCLUDING ALL);
CREATE TABLE ct_b (LIKE ct_old INCLUDING ALL);
CREATE OR REPLACE PROCEDURE load_upsert() LANGUAGE plpgsql AS $$
DECLARE b int;
BEGIN
  FOR b IN 0..99 LOOP
    INSERT INTO ct_a (customer_id, tag_id, value, tag_version)
      SELECT customer_id, tag_id, value, 1 FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0')
    ON CONFLICT (customer_id, tag_id) DO UPDATE SET value = excluded.value, tag_version = excluded.tag_version, since = excluded.since;
    COMMIT;
  END LOOP;
END $$;
CREATE OR REPLACE PROCEDURE load_plain() LANGUAGE plpgsql AS $$
DECLARE b int;
BEGIN
  FOR b IN 0..99 LOOP
    INSERT INTO ct_b (customer_id, tag_id, value, tag_version)
      SELECT customer_id, tag_id, value, 1 FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0');
    COMMIT;
  END LOOP;
END $$;
CHECKPOINT;
CALL load_upsert();
CHECKPOINT;
CALL load_plain();
CHECKPOINT;
TRUNCATE ct_a, ct_b;
CHECKPOINT;
CALL load_plain();
CHECKPOINT;
CALL load_upsert();
