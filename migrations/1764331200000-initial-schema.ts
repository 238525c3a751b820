import type { MigrationInterface, QueryRunner } from 'typeorm';

// The whole data model of docs/ARCHITECTURE.md. Every table holding customer data leads its keys
// with customer_id, so the schema can be distributed on it (Citus) when one database is not enough.
export class InitialSchema1764331200000 implements MigrationInterface {
  name = 'InitialSchema1764331200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customer_profile (
        customer_id varchar(64) NOT NULL,
        profile jsonb NOT NULL DEFAULT '{}'::jsonb,
        section_versions jsonb NOT NULL DEFAULT '{}'::jsonb,
        version bigint NOT NULL DEFAULT 1,
        evaluated_version bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customer_profile_pkey PRIMARY KEY (customer_id)
      )`);
    // The reconciler's work list: profiles written but not yet evaluated.
    await queryRunner.query(
      `CREATE INDEX customer_profile_pending_idx ON customer_profile (updated_at) WHERE version > evaluated_version`,
    );

    await queryRunner.query(`
      CREATE TABLE tag_definition (
        tag_id varchar(64) NOT NULL,
        version integer NOT NULL,
        status varchar(16) NOT NULL,
        kind varchar(16) NOT NULL,
        purpose varchar(16) NOT NULL,
        rule jsonb NOT NULL,
        meta jsonb NOT NULL DEFAULT '{}'::jsonb,
        depends_on_paths text[] NOT NULL DEFAULT '{}'::text[],
        depends_on_tags text[] NOT NULL DEFAULT '{}'::text[],
        time_dependent boolean NOT NULL DEFAULT false,
        checksum varchar(64) NOT NULL,
        created_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        approved_by varchar(128),
        approved_at timestamptz,
        activated_at timestamptz,
        retired_at timestamptz,
        CONSTRAINT tag_definition_pkey PRIMARY KEY (tag_id, version)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX tag_definition_one_active_idx ON tag_definition (tag_id) WHERE status = 'active'`,
    );

    await queryRunner.query(`
      CREATE TABLE customer_tag (
        customer_id varchar(64) NOT NULL,
        tag_id varchar(64) NOT NULL,
        value jsonb NOT NULL,
        tag_version integer NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customer_tag_pkey PRIMARY KEY (customer_id, tag_id)
      )`);
    // Audiences: members of a tag or segment in customer-id order (keyset paging, exports, counts).
    await queryRunner.query(`CREATE INDEX customer_tag_members_idx ON customer_tag (tag_id, customer_id)`);

    await queryRunner.query(`CREATE SEQUENCE tag_event_seq AS bigint`);
    await queryRunner.query(`
      CREATE TABLE tag_event (
        customer_id varchar(64) NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('tag_event_seq'),
        at timestamptz NOT NULL DEFAULT now(),
        tag_id varchar(64) NOT NULL,
        old_value jsonb,
        new_value jsonb,
        tag_version integer NOT NULL,
        profile_version bigint NOT NULL,
        cause varchar(16) NOT NULL,
        run_id uuid,
        CONSTRAINT tag_event_pkey PRIMARY KEY (customer_id, seq, at)
      ) PARTITION BY RANGE (at)`);
    // Monthly partitions are added ahead of time by the maintenance schedule; the default
    // partition catches anything outside them so a write never fails for want of one.
    await queryRunner.query(`CREATE TABLE tag_event_default PARTITION OF tag_event DEFAULT`);
    await queryRunner.query(`CREATE INDEX tag_event_customer_idx ON tag_event (customer_id, tag_id, at)`);
    await queryRunner.query(`CREATE INDEX tag_event_tag_seq_idx ON tag_event (tag_id, seq)`);

    await queryRunner.query(`
      CREATE TABLE evaluation_run (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind varchar(16) NOT NULL,
        scope jsonb NOT NULL DEFAULT '{}'::jsonb,
        status varchar(16) NOT NULL DEFAULT 'queued',
        total integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        changed integer NOT NULL DEFAULT 0,
        rule_errors jsonb NOT NULL DEFAULT '{}'::jsonb,
        result jsonb,
        created_by varchar(128),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        CONSTRAINT evaluation_run_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`CREATE INDEX evaluation_run_created_idx ON evaluation_run (created_at)`);

    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigserial NOT NULL,
        actor_key_id uuid,
        actor_name varchar(128) NOT NULL,
        action varchar(64) NOT NULL,
        entity varchar(64) NOT NULL,
        entity_id varchar(128) NOT NULL,
        before jsonb,
        after jsonb,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_log_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at)`);
    await queryRunner.query(`CREATE INDEX audit_log_at_idx ON audit_log (at)`);

    await queryRunner.query(`
      CREATE TABLE api_key (
        id uuid NOT NULL,
        name varchar(128) NOT NULL,
        hash varchar(64) NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_key_pkey PRIMARY KEY (id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_key`);
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP TABLE evaluation_run`);
    await queryRunner.query(`DROP TABLE tag_event`);
    await queryRunner.query(`DROP SEQUENCE tag_event_seq`);
    await queryRunner.query(`DROP TABLE customer_tag`);
    await queryRunner.query(`DROP TABLE tag_definition`);
    await queryRunner.query(`DROP TABLE customer_profile`);
  }
}
