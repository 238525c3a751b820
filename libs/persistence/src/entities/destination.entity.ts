import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type DestinationStatus = 'active' | 'paused' | 'disabled';

// A webhook receiving audience changes or early-warning signals (migration Destinations).
@Entity('destination')
export class DestinationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  // Boolean tags and segments; empty for the early-warning set.
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  audiences!: string[];

  @Column({ name: 'early_warning', type: 'boolean', default: false })
  earlyWarning!: boolean;

  @Column({ type: 'text', array: true })
  events!: string[];

  @Column({ name: 'max_events', type: 'integer' })
  maxEvents!: number;

  @Column({ name: 'max_wait_ms', type: 'integer' })
  maxWaitMs!: number;

  // Tag ids whose current values go with each change.
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  columns!: string[];

  // Set by an admin: the receiver may get credit-bureau facts (explanations, bureau-reading columns).
  @Column({ name: 'risk_use', type: 'boolean', default: false })
  riskUse!: boolean;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: DestinationStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  @Column({ type: 'varchar', length: 64 })
  secret!: string;

  // During a rotation's overlap window the previous secret signs too.
  @Column({ name: 'previous_secret', type: 'varchar', length: 64, nullable: true })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_until', type: 'timestamptz', nullable: true })
  previousSecretUntil!: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

// A destination's position in the history and its delivery state.
@Entity('destination_cursor')
export class DestinationCursorEntity {
  @PrimaryColumn({ name: 'destination_id', type: 'uuid' })
  destinationId!: string;

  @Column({ type: 'bigint' })
  txid!: string;

  @Column({ type: 'bigint' })
  seq!: string;

  // Bumped by a replay: re-sent batches get new webhook ids.
  @Column({ type: 'integer', default: 0 })
  generation!: number;

  // The end of the batch being retried (null: none pending).
  @Column({ name: 'batch_to_txid', type: 'bigint', nullable: true })
  batchToTxid!: string | null;

  @Column({ name: 'batch_to_seq', type: 'bigint', nullable: true })
  batchToSeq!: string | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

@Entity('destination_delivery')
@Index('destination_delivery_destination_idx', ['destinationId', 'id'])
export class DestinationDeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'destination_id', type: 'uuid' })
  destinationId!: string;

  @Column({ name: 'webhook_id', type: 'varchar', length: 64 })
  webhookId!: string;

  // batch | ping
  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Column({ name: 'from_txid', type: 'bigint', nullable: true })
  fromTxid!: string | null;

  @Column({ name: 'from_seq', type: 'bigint', nullable: true })
  fromSeq!: string | null;

  @Column({ name: 'to_txid', type: 'bigint', nullable: true })
  toTxid!: string | null;

  @Column({ name: 'to_seq', type: 'bigint', nullable: true })
  toSeq!: string | null;

  @Column({ type: 'integer' })
  events!: number;

  @Column({ type: 'integer' })
  attempt!: number;

  // delivered | failed | dead_lettered
  @Column({ type: 'varchar', length: 16 })
  outcome!: string;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}

@Entity('destination_dead_letter')
@Index('destination_dead_letter_destination_idx', ['destinationId', 'id'])
export class DestinationDeadLetterEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'destination_id', type: 'uuid' })
  destinationId!: string;

  @Column({ name: 'webhook_id', type: 'varchar', length: 64 })
  webhookId!: string;

  @Column({ name: 'from_txid', type: 'bigint' })
  fromTxid!: string;

  @Column({ name: 'from_seq', type: 'bigint' })
  fromSeq!: string;

  @Column({ name: 'to_txid', type: 'bigint' })
  toTxid!: string;

  @Column({ name: 'to_seq', type: 'bigint' })
  toSeq!: string;

  @Column({ type: 'integer' })
  events!: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
