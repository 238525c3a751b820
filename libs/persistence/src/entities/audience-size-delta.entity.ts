import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// The size rollup (migration Insights): `n` history rows of one tag moving customers from old_value
// to new_value during one day. Appended by every writer of history, folded by the compaction job.
@Entity('audience_size_delta')
@Index('audience_size_delta_tag_day_idx', ['tagId', 'day'])
export class AudienceSizeDeltaEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'tag_id', type: 'varchar', length: 64, collation: 'C' })
  tagId!: string;

  @Column({ type: 'date' })
  day!: string;

  @Column({ name: 'old_value', type: 'jsonb', nullable: true })
  oldValue!: unknown;

  @Column({ name: 'new_value', type: 'jsonb', nullable: true })
  newValue!: unknown;

  @Column({ type: 'integer' })
  n!: number;

  // The latest change the row counts (migration SizeRollupLastChange); null for a taking back.
  @Column({ name: 'last_at', type: 'timestamptz', nullable: true })
  lastAt!: Date | null;
}
