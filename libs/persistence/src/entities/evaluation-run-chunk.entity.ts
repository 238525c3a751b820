import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('evaluation_run_chunk')
export class EvaluationRunChunkEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ type: 'integer' })
  chunk!: number;

  @Column({ type: 'integer' })
  customers!: number;

  @Column({ type: 'integer' })
  changed!: number;

  // Sandbox runs: per-tag counts of this chunk.
  @Column({ type: 'jsonb', nullable: true })
  stats!: Record<string, unknown> | null;

  @Column({ name: 'finished_at', type: 'timestamptz', default: () => 'now()' })
  finishedAt!: Date;
}
