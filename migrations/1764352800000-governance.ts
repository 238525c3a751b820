import type { MigrationInterface, QueryRunner } from 'typeorm';

// Maker-checker needs the key that created and the key that approved a version. And the audit log
// is append-only for the application: production connects as (a login role granted) tagforge_app,
// which may read and insert audit rows but never update, delete or truncate them.
export class Governance1764352800000 implements MigrationInterface {
  name = 'Governance1764352800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tag_definition ADD COLUMN created_by_key uuid`);
    await queryRunner.query(`ALTER TABLE tag_definition ADD COLUMN approved_by_key uuid`);
    // Roles are cluster-wide: another database of the cluster may have created it already.
    await queryRunner.query(`
      DO $$ BEGIN
        CREATE ROLE tagforge_app NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO tagforge_app`);
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tagforge_app`,
    );
    await queryRunner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tagforge_app`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM tagforge_app`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tagforge_app`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO tagforge_app`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM tagforge_app`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM tagforge_app`,
    );
    await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM tagforge_app`);
    await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tagforge_app`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM tagforge_app`);
    await queryRunner.query(`ALTER TABLE tag_definition DROP COLUMN approved_by_key`);
    await queryRunner.query(`ALTER TABLE tag_definition DROP COLUMN created_by_key`);
  }
}
