import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ChangeSetStatus = 'pending' | 'approved' | 'activated' | 'discarded';
export type ChangeSetSource = 'sync' | 'folder' | 'retire';

// Definition changes that go live together under maker-checker: draft versions to activate and tags
// to retire, approved by a key other than the maker's, activated with one run.
@Entity('definition_change_set')
@Index('definition_change_set_created_idx', ['createdAt'])
export class DefinitionChangeSetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: ChangeSetStatus;

  @Column({ type: 'varchar', length: 16 })
  source!: ChangeSetSource;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  versions!: { tagId: string; version: number }[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  retire!: string[];

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy!: string;

  @Column({ name: 'created_by_key', type: 'uuid', nullable: true })
  createdByKey!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'approved_by', type: 'varchar', length: 128, nullable: true })
  approvedBy!: string | null;

  @Column({ name: 'approved_by_key', type: 'uuid', nullable: true })
  approvedByKey!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  // When it was activated or discarded.
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;
}
