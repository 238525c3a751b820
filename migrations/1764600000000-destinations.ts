import type { MigrationInterface, QueryRunner } from 'typeorm';

// Destinations (issue 18): webhooks that receive audience changes and early-warning signals pushed
// from the committed history.
// - destination: where to send, what (audiences or the early-warning set, entered/exited, tag
//   columns), batching, the signing secret(s) — kept in clear because every batch is signed with
//   them; only the API's create and rotate answers ever show them — and the status.
// - destination_cursor: one row per destination, its position in the history (the feeds' (txid,
//   seq)), advanced only after a 2xx; the batch being retried (a fixed range, so its webhook-id and
//   contents stay the same), failure bookkeeping, and a lease so one worker at a time delivers.
// - destination_delivery: every attempt (status, latency); destination_dead_letter: batches refused
//   with a 4xx, with the response, kept as a history range (no payload copy: replays re-read it).
// No foreign keys: deleting a destination deletes its rows in one transaction (the repository).
export class Destinations1764600000000 implements MigrationInterface {
  name = 'Destinations1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE destination (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(128) NOT NULL,
        url varchar(2048) NOT NULL,
        audiences text[] NOT NULL DEFAULT '{}'::text[],
        early_warning boolean NOT NULL DEFAULT false,
        events text[] NOT NULL,
        max_events integer NOT NULL,
        max_wait_ms integer NOT NULL,
        columns text[] NOT NULL DEFAULT '{}'::text[],
        risk_use boolean NOT NULL DEFAULT false,
        status varchar(16) NOT NULL DEFAULT 'active',
        status_reason text,
        secret varchar(64) NOT NULL,
        previous_secret varchar(64),
        previous_secret_until timestamptz,
        created_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT destination_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`
      CREATE TABLE destination_cursor (
        destination_id uuid NOT NULL,
        txid bigint NOT NULL,
        seq bigint NOT NULL,
        generation integer NOT NULL DEFAULT 0,
        batch_to_txid bigint,
        batch_to_seq bigint,
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing_since timestamptz,
        next_attempt_at timestamptz,
        lease_token uuid,
        lease_until timestamptz,
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT destination_cursor_pkey PRIMARY KEY (destination_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE destination_delivery (
        id bigserial NOT NULL,
        destination_id uuid NOT NULL,
        webhook_id varchar(64) NOT NULL,
        kind varchar(16) NOT NULL,
        from_txid bigint,
        from_seq bigint,
        to_txid bigint,
        to_seq bigint,
        events integer NOT NULL,
        attempt integer NOT NULL,
        outcome varchar(16) NOT NULL,
        status_code integer,
        error text,
        latency_ms integer NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT destination_delivery_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX destination_delivery_destination_idx ON destination_delivery (destination_id, id)`,
    );
    await queryRunner.query(`
      CREATE TABLE destination_dead_letter (
        id bigserial NOT NULL,
        destination_id uuid NOT NULL,
        webhook_id varchar(64) NOT NULL,
        from_txid bigint NOT NULL,
        from_seq bigint NOT NULL,
        to_txid bigint NOT NULL,
        to_seq bigint NOT NULL,
        events integer NOT NULL,
        status_code integer,
        response_body text,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT destination_dead_letter_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX destination_dead_letter_destination_idx ON destination_dead_letter (destination_id, id)`,
    );
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON destination, destination_cursor, destination_delivery, destination_dead_letter TO tagforge_app`,
    );
    await queryRunner.query(
      `GRANT USAGE, SELECT ON destination_delivery_id_seq, destination_dead_letter_id_seq TO tagforge_app`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE destination_dead_letter`);
    await queryRunner.query(`DROP TABLE destination_delivery`);
    await queryRunner.query(`DROP TABLE destination_cursor`);
    await queryRunner.query(`DROP TABLE destination`);
  }
}
