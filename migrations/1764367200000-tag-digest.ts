import type { MigrationInterface, QueryRunner } from 'typeorm';

// customer_profile.tag_digest: a fingerprint of the customer's current tags (see tagDigest), written
// with them, so a recompute that finds nothing to change reads no tag rows and writes nothing. NULL
// means unknown (never evaluated, or last written by a run over part of the catalog).
// tag_event_customer_idx goes: a customer's history is read through the primary key, which leads
// with customer_id too, and every history row paid for a fourth index entry.
export class TagDigest1764367200000 implements MigrationInterface {
  name = 'TagDigest1764367200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE customer_profile ADD COLUMN tag_digest varchar(64)`);
    await queryRunner.query(`DROP INDEX tag_event_customer_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX tag_event_customer_idx ON tag_event (customer_id, tag_id, at)`);
    await queryRunner.query(`ALTER TABLE customer_profile DROP COLUMN tag_digest`);
  }
}
