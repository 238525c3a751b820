import type { MigrationInterface, QueryRunner } from 'typeorm';

// audience_size_delta: the rollup behind GET /v1/audiences/{id}/sizes. One row counts `n` history
// rows of one tag that moved a customer from old_value to new_value during one day (UTC; the day of
// `at - 1 µs`, so an interval (start, end] holds exactly the events that asOf(end) sees and asOf(start)
// does not). Every writer of tag_event appends its rows here in the same statement (one aggregated row
// per tag, day and transition per transaction: no row is ever updated, so concurrent evaluations never
// queue on a hot row); the worker's compaction job folds rows of the same key together; erasure appends
// the negation of the erased customer's rows. Transitions rather than per-value counts: a number tag's
// range audience (min..max) gets exact entered/exited counts too (a move inside the range is neither).
// Rows of cause 'erasure' (bare exit notices for the changes feeds) are not counted: the history
// they close is gone, so asOf never saw the customer in the audience.
export class Insights1764610000000 implements MigrationInterface {
  name = 'Insights1764610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audience_size_delta (
        id bigserial NOT NULL,
        tag_id varchar(64) COLLATE "C" NOT NULL,
        day date NOT NULL,
        old_value jsonb,
        new_value jsonb,
        n integer NOT NULL,
        CONSTRAINT audience_size_delta_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX audience_size_delta_tag_day_idx ON audience_size_delta (tag_id, day)`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON audience_size_delta TO tagforge_app`);
    await queryRunner.query(`GRANT USAGE, SELECT ON SEQUENCE audience_size_delta_id_seq TO tagforge_app`);
    await queryRunner.query(`
      INSERT INTO audience_size_delta (tag_id, day, old_value, new_value, n)
      SELECT tag_id, ((at - interval '1 microsecond') AT TIME ZONE 'UTC')::date, old_value, new_value, count(*)
        FROM tag_event WHERE cause <> 'erasure'
       GROUP BY 1, 2, 3, 4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audience_size_delta`);
  }
}
