-- Storage shapes of a first evaluation (issue 20; docs/ARCHITECTURE.md#storage-of-the-history).
-- psql -h 127.0.0.1 -U postgres -f test/bench/storage-shapes.sql   (drops and creates storage_exp)
-- The same 100,000 customers x 40 tags written three ways, back to back, in transactions of 1,000
-- customers: old = customer_tag (2 B-trees) + tag_event (a row per change, 3 B-trees); mid = the
-- schema chosen (customer_tag as before + tag_history, a row per customer); new = customer_tag keyed
-- (tag_id, customer_id) only + a jsonb row of current tags per customer + tag_history.
\timing on
DROP DATABASE IF EXISTS storage_exp;
CREATE DATABASE storage_exp;
\c storage_exp
-- 100,000 customers x 40 tags of 148, as a first evaluation writes them
CREATE TABLE src AS
SELECT 'C' || lpad(c::text, 7, '0') COLLATE "C" AS customer_id,
       't' || lpad(((c * 7 + k * 3) % 148)::text, 3, '0') COLLATE "C" AS tag_id,
       CASE WHEN k % 5 = 0 THEN to_jsonb('band_' || (c % 4)) WHEN k % 7 = 0 THEN to_jsonb(c % 900) ELSE 'true'::jsonb END AS value
  FROM generate_series(1, 100000) c, generate_series(1, 40) k;
CREATE INDEX ON src (customer_id);
ANALYZE src;
CREATE SEQUENCE seq AS bigint;

-- today's shape
CREATE TABLE ct_old (customer_id varchar(64) COLLATE "C" NOT NULL, tag_id varchar(64) COLLATE "C" NOT NULL,
  value jsonb NOT NULL, tag_version int NOT NULL, since timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (customer_id, tag_id));
CREATE INDEX ON ct_old (tag_id, customer_id);
CREATE TABLE te_old (customer_id varchar(64) COLLATE "C" NOT NULL, seq bigint NOT NULL DEFAULT nextval('seq'),
  at timestamptz NOT NULL DEFAULT now(), tag_id varchar(64) COLLATE "C" NOT NULL, old_value jsonb, new_value jsonb,
  tag_version int NOT NULL, profile_version bigint NOT NULL, cause varchar(16) NOT NULL, run_id uuid,
  txid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint, PRIMARY KEY (customer_id, seq, at)) PARTITION BY RANGE (at);
CREATE TABLE te_old_default PARTITION OF te_old DEFAULT;
CREATE INDEX ON te_old (tag_id, txid, seq);
CREATE INDEX ON te_old (tag_id, customer_id, at, seq);

-- the new shape
CREATE TABLE ct_new (tag_id varchar(64) COLLATE "C" NOT NULL, customer_id varchar(64) COLLATE "C" NOT NULL,
  value jsonb NOT NULL, since timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tag_id, customer_id));
CREATE TABLE cts_new (customer_id varchar(64) COLLATE "C" PRIMARY KEY, tags jsonb NOT NULL);
CREATE TABLE th_new (customer_id varchar(64) COLLATE "C" NOT NULL, seq bigint NOT NULL DEFAULT nextval('seq'),
  at timestamptz NOT NULL DEFAULT now(), txid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
  tag_ids varchar(64)[] COLLATE "C" NOT NULL, changes jsonb NOT NULL, profile_version bigint NOT NULL,
  cause varchar(16) NOT NULL, run_id uuid, PRIMARY KEY (customer_id, seq, at)) PARTITION BY RANGE (at);
CREATE TABLE th_new_default PARTITION OF th_new DEFAULT;
CREATE INDEX ON th_new (txid, seq);
CREATE INDEX ON th_new USING gin (tag_ids);

CREATE PROCEDURE load_old() LANGUAGE plpgsql AS $$
DECLARE b int;
BEGIN
  FOR b IN 0..99 LOOP
    INSERT INTO ct_old (customer_id, tag_id, value, tag_version)
      SELECT customer_id, tag_id, value, 1 FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0');
    INSERT INTO te_old (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause)
      SELECT customer_id, tag_id, NULL, value, 1, 1, 'definition' FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0');
    COMMIT;
  END LOOP;
END $$;

CREATE PROCEDURE load_new() LANGUAGE plpgsql AS $$
DECLARE b int;
BEGIN
  FOR b IN 0..99 LOOP
    INSERT INTO ct_new (tag_id, customer_id, value)
      SELECT tag_id, customer_id, value FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0');
    WITH g AS (
      SELECT customer_id, array_agg(tag_id ORDER BY tag_id) AS tag_ids,
             jsonb_object_agg(tag_id, jsonb_build_array(value, 1, now())) AS tags,
             jsonb_agg(jsonb_build_array(tag_id, NULL, value, 1) ORDER BY tag_id) AS changes
        FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0')
       GROUP BY customer_id),
    s AS (INSERT INTO cts_new SELECT customer_id, tags FROM g)
    INSERT INTO th_new (customer_id, tag_ids, changes, profile_version, cause)
      SELECT customer_id, tag_ids, changes, 1, 'definition' FROM g;
    COMMIT;
  END LOOP;
END $$;
DROP TABLE IF EXISTS ct_mid, th_mid;
CREATE TABLE ct_mid (LIKE ct_old INCLUDING ALL);
CREATE TABLE th_mid (LIKE th_new INCLUDING DEFAULTS) PARTITION BY RANGE (at);
ALTER TABLE th_mid ADD PRIMARY KEY (customer_id, seq, at);
CREATE TABLE th_mid_default PARTITION OF th_mid DEFAULT;
CREATE INDEX ON th_mid (txid, seq);
CREATE INDEX ON th_mid USING gin (tag_ids);
CREATE PROCEDURE load_mid() LANGUAGE plpgsql AS $$
DECLARE b int;
BEGIN
  FOR b IN 0..99 LOOP
    INSERT INTO ct_mid (customer_id, tag_id, value, tag_version)
      SELECT customer_id, tag_id, value, 1 FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0');
    INSERT INTO th_mid (customer_id, tag_ids, changes, profile_version, cause)
      SELECT customer_id, array_agg(tag_id ORDER BY tag_id), jsonb_object_agg(tag_id, jsonb_build_array(NULL, value, 1)), 1, 'definition'
        FROM src
       WHERE customer_id > 'C' || lpad((b*1000)::text, 7, '0') AND customer_id <= 'C' || lpad(((b+1)*1000)::text, 7, '0')
       GROUP BY customer_id;
    COMMIT;
  END LOOP;
END $$;
CHECKPOINT;
CALL load_old();
CHECKPOINT;
CALL load_mid();
CHECKPOINT;
CALL load_new();
CHECKPOINT;
SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
 WHERE relname IN ('ct_old', 'te_old_default', 'ct_mid', 'th_mid_default', 'ct_new', 'cts_new', 'th_new_default')
 ORDER BY relname;
