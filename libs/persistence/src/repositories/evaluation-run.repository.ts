import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { EvaluationRunEntity, type RunKind } from '../entities';

export interface RunScope {
  // tags to evaluate (their dependents are added by the evaluator)
  tags: string[];
  // tags to remove from every customer (retirement)
  retire?: string[];
  [key: string]: unknown;
}

export interface ChunkRange {
  chunk: number;
  afterCustomerId: string | null;
  lastCustomerId: string;
}

// The run was failed or cancelled while a chunk of it was running.
export class RunStoppedError extends Error {
  constructor(runId: string) {
    super(`run ${runId} was stopped`);
  }
}

@Injectable()
export class EvaluationRunRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(EvaluationRunEntity);
  }

  async create(
    run: { kind: RunKind; scope: RunScope; createdBy: string | null; result?: Record<string, unknown> },
    manager?: EntityManager,
  ): Promise<EvaluationRunEntity> {
    const rows: { id: string }[] = await (manager ?? this.dataSource.manager).query(
      `INSERT INTO evaluation_run (kind, scope, created_by, result) VALUES ($1, $2, $3, $4) RETURNING id`,
      [run.kind, JSON.stringify(run.scope), run.createdBy, run.result ? JSON.stringify(run.result) : null],
    );
    return this.repo(manager).findOneByOrFail({ id: rows[0].id });
  }

  // The newest run that evaluated or removed this tag.
  async latestForTag(tagId: string): Promise<EvaluationRunEntity | null> {
    return this.repo()
      .createQueryBuilder('run')
      .where(`run.scope->'tags' ? :tagId OR run.scope->'retire' ? :tagId`, { tagId })
      .orderBy('run.created_at', 'DESC')
      .limit(1)
      .getOne();
  }

  find(id: string, manager?: EntityManager): Promise<EvaluationRunEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  // Newest first, keyset-paged on (created_at, id).
  async list(limit: number, before?: { createdAt: Date; id: string }): Promise<EvaluationRunEntity[]> {
    const query = this.repo()
      .createQueryBuilder('run')
      .orderBy('run.created_at', 'DESC')
      .addOrderBy('run.id', 'DESC');
    if (before) query.where('(run.created_at, run.id) < (:createdAt, :id)', before);
    return query.limit(limit).getMany();
  }

  // Keyset chunk boundaries over every customer: each chunk is (previous boundary, boundary].
  async chunkRanges(chunkSize: number): Promise<{ ranges: ChunkRange[]; total: number }> {
    const rows: { customer_id: string; total: string }[] = await this.dataSource.query(
      `SELECT customer_id, total FROM (
         SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS n, count(*) OVER () AS total
           FROM customer_profile WHERE version > 0) numbered
        WHERE n % $1 = 0 OR n = total ORDER BY customer_id`,
      [chunkSize],
    );
    const ranges = rows.map((row, index) => ({
      chunk: index,
      afterCustomerId: index === 0 ? null : rows[index - 1].customer_id,
      lastCustomerId: row.customer_id,
    }));
    return { ranges, total: rows.length > 0 ? Number(rows[0].total) : 0 };
  }

  // The ranges are fixed at the first planning, so a re-planned run skips exactly the chunks it
  // has already recorded.
  async markPlanned(id: string, total: number, ranges: readonly ChunkRange[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE evaluation_run SET status = 'running', total = $2, started_at = coalesce(started_at, now()),
              result = coalesce(result, '{}'::jsonb) || jsonb_build_object('chunks', $3::int, 'ranges', $4::jsonb)
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, total, ranges.length, JSON.stringify(ranges)],
    );
  }

  // When the run's chunks were last enqueued (its first planning, or a relaunch after Redis lost them).
  async markLaunched(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE evaluation_run SET result = coalesce(result, '{}'::jsonb) || jsonb_build_object('launchedAt', $2::text)
        WHERE id = $1`,
      [id, at.toISOString()],
    );
  }

  async recordedChunks(runId: string): Promise<Set<number>> {
    const rows: { chunk: number }[] = await this.dataSource.query(
      `SELECT chunk FROM evaluation_run_chunk WHERE run_id = $1`,
      [runId],
    );
    return new Set(rows.map((row) => row.chunk));
  }

  // Runs not finished yet, by status (GET /v1/ops/status).
  async unfinishedCounts(): Promise<{ queued: number; running: number }> {
    const rows: { queued: number; running: number }[] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued,
              count(*) FILTER (WHERE status = 'running')::int AS running
         FROM evaluation_run WHERE status IN ('queued', 'running')`,
    );
    return rows[0];
  }

  // Unfinished runs with no progress for a while: their jobs may have been lost (Redis flushed).
  async stalled(idleSeconds: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT r.id FROM evaluation_run r
        WHERE r.status IN ('queued', 'running')
          AND greatest((SELECT max(c.finished_at) FROM evaluation_run_chunk c WHERE c.run_id = r.id),
                       (r.result->>'launchedAt')::timestamptz, r.started_at, r.created_at)
              < now() - make_interval(secs => $1)`,
      [idleSeconds],
    );
    return rows.map((row) => row.id);
  }

  // Records a finished chunk and adds its counts to the run, once: a chunk delivered twice finds
  // its row already there and changes nothing. Returns the run's totals, or null when the chunk was
  // already recorded. A run that was stopped meanwhile (failed, cancelled) refuses the chunk: it
  // throws RunStoppedError, so the chunk's transaction rolls back whatever it wrote.
  async recordChunk(
    runId: string,
    chunk: number,
    counts: {
      customers: number;
      changed: number;
      // customers with at least one rule error
      failed: number;
      ruleErrors: Record<string, { count: number; example: string }>;
    },
    manager: EntityManager,
  ): Promise<{ done: number; failed: number } | null> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO evaluation_run_chunk (run_id, chunk, customers, changed) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING chunk`,
      [runId, chunk, counts.customers, counts.changed],
    );
    if (inserted.length === 0) return null;
    // Waits for a concurrent stop of the run, then sees its status.
    const [rows]: [{ done: number; failed: number }[], number] = await manager.query(
      `UPDATE evaluation_run
          SET done = done + $2, changed = changed + $3,
              failed = failed + $4,
              rule_errors = (SELECT coalesce(jsonb_object_agg(key, jsonb_build_object(
                  'count', coalesce((rule_errors->key->>'count')::int, 0) + (value->>'count')::int,
                  'example', coalesce(rule_errors->key->'example', value->'example'))), '{}'::jsonb)
                FROM jsonb_each($5::jsonb)) || (rule_errors - ARRAY(SELECT jsonb_object_keys($5::jsonb)))
        WHERE id = $1 AND status IN ('queued', 'running')
        RETURNING done, failed`,
      [runId, counts.customers, counts.changed, counts.failed, JSON.stringify(counts.ruleErrors)],
    );
    if (rows.length === 0) throw new RunStoppedError(runId);
    return rows[0];
  }

  // Stops an unfinished run for good (a run is never relaunched from these states). False when it had
  // already finished. Waits for a chunk that is recording itself, so no chunk commits after this.
  async stop(
    id: string,
    status: 'failed' | 'cancelled',
    error: string,
    manager: EntityManager,
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE evaluation_run SET status = $2, error = $3, finished_at = now(), started_at = coalesce(started_at, now())
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id, status, error],
    );
    return rows.length > 0;
  }

  async isChunkRecorded(runId: string, chunk: number, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM evaluation_run_chunk WHERE run_id = $1 AND chunk = $2`,
      [runId, chunk],
    );
    return rows.length > 0;
  }

  async finish(id: string, status: 'succeeded' | 'failed', error: string | null = null): Promise<void> {
    await this.dataSource.query(
      `UPDATE evaluation_run SET status = $2, error = $3, finished_at = now(), started_at = coalesce(started_at, now())
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, status, error],
    );
  }
}
