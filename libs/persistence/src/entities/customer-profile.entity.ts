import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('customer_profile')
@Index('customer_profile_pending_idx', ['updatedAt'], { where: 'version > evaluated_version' })
export class CustomerProfileEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  profile!: Record<string, unknown>;

  // section -> asOf of the stored data, so late feeds never overwrite newer ones.
  @Column({ name: 'section_versions', type: 'jsonb', default: () => "'{}'" })
  sectionVersions!: Record<string, string>;

  // Paths written since the last evaluation; null means every tag must be evaluated.
  @Column({ name: 'pending_paths', type: 'text', array: true, nullable: true })
  pendingPaths!: string[] | null;

  @Column({ type: 'bigint', default: 1 })
  version!: string;

  @Column({ name: 'evaluated_version', type: 'bigint', default: 0 })
  evaluatedVersion!: string;

  // Fingerprint of the customer's current tags (tagDigest); null when unknown.
  @Column({ name: 'tag_digest', type: 'varchar', length: 64, nullable: true })
  tagDigest!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
