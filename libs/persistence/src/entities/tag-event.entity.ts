import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type TagEventCause = 'profile' | 'definition' | 'schedule' | 'reconcile' | 'erasure' | 'rollback';

// Append-only history, range-partitioned by `at` (see the migration); segment enter/exit are
// events of segment tags. `seq` orders the changes feeds.
@Entity('tag_event')
@Index('tag_event_feed_idx', ['tagId', 'txid', 'seq'])
@Index('tag_event_membership_idx', ['tagId', 'customerId', 'at', 'seq'])
export class TagEventEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ type: 'bigint', default: () => "nextval('tag_event_seq')" })
  seq!: string;

  @PrimaryColumn({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ name: 'tag_id', type: 'varchar', length: 64, collation: 'C' })
  tagId!: string;

  @Column({ name: 'old_value', type: 'jsonb', nullable: true })
  oldValue!: unknown;

  @Column({ name: 'new_value', type: 'jsonb', nullable: true })
  newValue!: unknown;

  @Column({ name: 'tag_version', type: 'integer' })
  tagVersion!: number;

  @Column({ name: 'profile_version', type: 'bigint' })
  profileVersion!: string;

  @Column({ type: 'varchar', length: 16 })
  cause!: TagEventCause;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  // The writing transaction's id: changes feeds order by (txid, seq) behind pg_snapshot_xmin.
  @Column({ type: 'bigint', default: () => 'tagforge_current_txid()' })
  txid!: string;
}
