import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type SandboxChange = 'entered' | 'left' | 'changed';

@Entity('sandbox_result')
@Index('sandbox_result_run_idx', ['runId', 'tagId', 'change', 'customerId'])
export class SandboxResultEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ name: 'tag_id', type: 'varchar', length: 64, collation: 'C' })
  tagId!: string;

  @Column({ type: 'varchar', length: 8 })
  change!: SandboxChange;

  @Column({ type: 'jsonb', nullable: true })
  before!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after!: unknown;
}
