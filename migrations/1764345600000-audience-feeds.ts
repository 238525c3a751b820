import type { MigrationInterface, QueryRunner } from 'typeorm';

// Changes feeds must hand every change to a consumer exactly once, in order, although evaluation
// transactions commit out of sequence order. Each history row records the id of the transaction
// that wrote it; a feed reads only rows of transactions older than every one still running
// (pg_snapshot_xmin), ordered by (txid, seq), so no row can appear later behind a cursor.
export class AudienceFeeds1764345600000 implements MigrationInterface {
  name = 'AudienceFeeds1764345600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE FUNCTION tagforge_current_txid() RETURNS bigint LANGUAGE sql VOLATILE
         AS $$ SELECT pg_current_xact_id()::text::bigint $$`,
    );
    await queryRunner.query(
      `ALTER TABLE tag_event ADD COLUMN txid bigint NOT NULL DEFAULT tagforge_current_txid()`,
    );
    await queryRunner.query(`CREATE INDEX tag_event_feed_idx ON tag_event (tag_id, txid, seq)`);
    // Point-in-time membership: the last event per customer of one tag before an instant.
    await queryRunner.query(
      `CREATE INDEX tag_event_membership_idx ON tag_event (tag_id, customer_id, at, seq)`,
    );
    await queryRunner.query(`DROP INDEX tag_event_tag_seq_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX tag_event_tag_seq_idx ON tag_event (tag_id, seq)`);
    await queryRunner.query(`DROP INDEX tag_event_membership_idx`);
    await queryRunner.query(`DROP INDEX tag_event_feed_idx`);
    await queryRunner.query(`ALTER TABLE tag_event DROP COLUMN txid`);
    await queryRunner.query(`DROP FUNCTION tagforge_current_txid()`);
  }
}
