import type { MigrationInterface, QueryRunner } from 'typeorm';

// Campaigns with control groups (issue 16): a campaign freezes an audience at an instant into
// campaign_member, split by a seeded hash into target and control; outcomes come back per member.
// Customer tables lead their primary key with customer_id like every other (distribution by customer);
// `snapshot` is the freeze statement's (pg_current_snapshot): the report reads tag values as it saw them.
// The campaign-first indexes serve paging, counts and the report. No foreign keys, as elsewhere: the
// service checks membership in the transaction that writes outcomes, erasure removes both.
export class Campaigns1764620000000 implements MigrationInterface {
  name = 'Campaigns1764620000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE campaign (
        id varchar(64) COLLATE "C" NOT NULL,
        name varchar(200) NOT NULL,
        audience varchar(64) COLLATE "C" NOT NULL,
        audience_version integer,
        channel varchar(16) NOT NULL,
        holdout_percent numeric(5,2) NOT NULL,
        seed varchar(64) COLLATE "C" NOT NULL,
        frozen_at timestamptz NOT NULL,
        snapshot text NOT NULL,
        members integer NOT NULL,
        control_members integer NOT NULL,
        created_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT campaign_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`
      CREATE TABLE campaign_member (
        customer_id varchar(64) COLLATE "C" NOT NULL,
        campaign_id varchar(64) COLLATE "C" NOT NULL,
        group_name varchar(8) NOT NULL,
        CONSTRAINT campaign_member_pkey PRIMARY KEY (customer_id, campaign_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX campaign_member_campaign_idx ON campaign_member (campaign_id, customer_id, group_name)`,
    );
    await queryRunner.query(`
      CREATE TABLE campaign_outcome (
        customer_id varchar(64) COLLATE "C" NOT NULL,
        campaign_id varchar(64) COLLATE "C" NOT NULL,
        outcome varchar(16) NOT NULL,
        at timestamptz NOT NULL,
        amount numeric(18,2),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT campaign_outcome_pkey PRIMARY KEY (customer_id, campaign_id, outcome)
      )`);
    await queryRunner.query(
      `CREATE INDEX campaign_outcome_campaign_idx ON campaign_outcome (campaign_id, customer_id, outcome)`,
    );
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON campaign, campaign_member, campaign_outcome TO tagforge_app`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE campaign_outcome`);
    await queryRunner.query(`DROP TABLE campaign_member`);
    await queryRunner.query(`DROP TABLE campaign`);
  }
}
