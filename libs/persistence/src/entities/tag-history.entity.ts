import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type TagEventCause = 'profile' | 'definition' | 'schedule' | 'reconcile' | 'erasure' | 'rollback';

// Append-only history, range-partitioned by `at` (see migration TagHistory): one row per customer
// per writing statement, holding each tag it changed as tag_id -> [old_value, new_value, tag_version]
// in `changes`. The i-th tag of `tagIds` (1-based) is the change (txid, seq + i - 1): the changes
// feeds order by that. The view tag_event shows one row per change.
@Entity('tag_history')
@Index('tag_history_feed_idx', ['txid', 'seq'])
// Readers by tag find a tag's rows through it.
@Index('tag_history_tags_idx', ['tagIds'], { type: 'gin' })
// A row's changes must fit its block of the sequence (MAX_CHANGES_PER_ROW).
@Check('tag_history_changes_check', 'cardinality(tag_ids) BETWEEN 1 AND 4096')
export class TagHistoryEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ type: 'bigint', default: () => "nextval('tag_history_seq')" })
  seq!: string;

  @PrimaryColumn({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  // The writing transaction's id: changes feeds order by (txid, seq) behind pg_snapshot_xmin.
  @Column({ type: 'bigint', default: () => 'tagforge_current_txid()' })
  txid!: string;

  @Column({ name: 'tag_ids', type: 'varchar', length: 64, array: true, collation: 'C' })
  tagIds!: string[];

  @Column({ type: 'jsonb' })
  changes!: Record<string, [unknown, unknown, number]>;

  @Column({ name: 'profile_version', type: 'bigint' })
  profileVersion!: string;

  @Column({ type: 'varchar', length: 16 })
  cause!: TagEventCause;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;
}
