import type { MigrationInterface, QueryRunner } from 'typeorm';

// Sandbox runs write nothing live: each chunk keeps its counts in evaluation_run_chunk.stats and the
// customers whose value would change in sandbox_result, which the sandbox API lists and explains.
export class Sandbox1764360000000 implements MigrationInterface {
  name = 'Sandbox1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE evaluation_run_chunk ADD COLUMN stats jsonb`);
    await queryRunner.query(`
      CREATE TABLE sandbox_result (
        customer_id varchar(64) NOT NULL,
        run_id uuid NOT NULL,
        tag_id varchar(64) NOT NULL,
        change varchar(8) NOT NULL,
        before jsonb,
        after jsonb,
        CONSTRAINT sandbox_result_pkey PRIMARY KEY (customer_id, run_id, tag_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX sandbox_result_run_idx ON sandbox_result (run_id, tag_id, change, customer_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sandbox_result`);
    await queryRunner.query(`ALTER TABLE evaluation_run_chunk DROP COLUMN stats`);
  }
}
