import type { MigrationInterface, QueryRunner } from 'typeorm';

// pending_paths: the profile paths written since the last evaluation (NULL = evaluate every tag,
// as for a customer's first evaluation). evaluation_run_chunk: one row per finished backfill chunk,
// written in the chunk's own transaction, so a chunk delivered twice is recognised and skipped.
export class EvaluationBookkeeping1764338400000 implements MigrationInterface {
  name = 'EvaluationBookkeeping1764338400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE customer_profile ADD COLUMN pending_paths text[]`);
    await queryRunner.query(`
      CREATE TABLE evaluation_run_chunk (
        run_id uuid NOT NULL,
        chunk integer NOT NULL,
        customers integer NOT NULL,
        changed integer NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT evaluation_run_chunk_pkey PRIMARY KEY (run_id, chunk)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE evaluation_run_chunk`);
    await queryRunner.query(`ALTER TABLE customer_profile DROP COLUMN pending_paths`);
  }
}
