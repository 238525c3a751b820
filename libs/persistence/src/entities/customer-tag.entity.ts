import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

// Current values only, sparse: a boolean tag that is false has no row.
@Entity('customer_tag')
@Index('customer_tag_members_idx', ['tagId', 'customerId'])
export class CustomerTagEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ name: 'tag_id', type: 'varchar', length: 64, collation: 'C' })
  tagId!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;

  @Column({ name: 'tag_version', type: 'integer' })
  tagVersion!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  since!: Date;
}
