import type { MigrationInterface, QueryRunner } from 'typeorm';

// audience_size_delta.last_at: the latest history change a rollup row counts (max(at) of the rows it
// aggregates; null for erasure's taking back), so an audience's last change is read from its rollup
// rows instead of walking the history index back past every later change of other tags. Rows written
// before this migration have none: readers fall back to the history for a tag with no row that has
// one, and every row appended later is newer than all of them. No backfill (it would re-read the whole
// history).
export class SizeRollupLastChange1764640000000 implements MigrationInterface {
  name = 'SizeRollupLastChange1764640000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audience_size_delta ADD COLUMN last_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audience_size_delta DROP COLUMN last_at`);
  }
}
