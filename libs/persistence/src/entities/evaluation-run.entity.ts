import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// rollback: puts back what a failed or cancelled activation (or retirement) changed.
export type RunKind = 'activation' | 'retirement' | 'recompute' | 'schedule' | 'sandbox' | 'rollback';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

@Entity('evaluation_run')
@Index('evaluation_run_created_idx', ['createdAt'])
export class EvaluationRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: RunKind;

  // which tags (and versions) or sandbox definitions the run covers
  @Column({ type: 'jsonb', default: () => "'{}'" })
  scope!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status!: RunStatus;

  @Column({ type: 'integer', default: 0 })
  total!: number;

  @Column({ type: 'integer', default: 0 })
  done!: number;

  @Column({ type: 'integer', default: 0 })
  failed!: number;

  @Column({ type: 'integer', default: 0 })
  changed!: number;

  // rule errors by tag: { tagId: { count, example } }
  @Column({ name: 'rule_errors', type: 'jsonb', default: () => "'{}'" })
  ruleErrors!: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ name: 'created_by', type: 'varchar', length: 128, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
