import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type DefinitionStatus = 'draft' | 'active' | 'retired' | 'superseded' | 'discarded';
export type DefinitionKind = 'boolean' | 'category' | 'number' | 'segment';

@Entity('tag_definition')
@Index('tag_definition_one_active_idx', ['tagId'], { unique: true, where: "status = 'active'" })
export class TagDefinitionEntity {
  @PrimaryColumn({ name: 'tag_id', type: 'varchar', length: 64, collation: 'C' })
  tagId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: DefinitionStatus;

  @Column({ type: 'varchar', length: 16 })
  kind!: DefinitionKind;

  @Column({ type: 'varchar', length: 16 })
  purpose!: string;

  @Column({ type: 'jsonb' })
  rule!: unknown;

  // name, description, category, owner, nameZh, examples: everything of the file but the rule.
  @Column({ type: 'jsonb', default: () => "'{}'" })
  meta!: Record<string, unknown>;

  @Column({ name: 'depends_on_paths', type: 'text', array: true, default: () => "'{}'" })
  dependsOnPaths!: string[];

  @Column({ name: 'depends_on_tags', type: 'text', array: true, default: () => "'{}'" })
  dependsOnTags!: string[];

  @Column({ name: 'time_dependent', type: 'boolean', default: false })
  timeDependent!: boolean;

  // sha256 of the canonical definition: a re-synced unchanged file creates no version.
  @Column({ type: 'varchar', length: 64 })
  checksum!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  // Maker-checker compares keys, not names.
  @Column({ name: 'created_by_key', type: 'uuid', nullable: true })
  createdByKey!: string | null;

  @Column({ name: 'approved_by_key', type: 'uuid', nullable: true })
  approvedByKey!: string | null;

  @Column({ name: 'approved_by', type: 'varchar', length: 128, nullable: true })
  approvedBy!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}
