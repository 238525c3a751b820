import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, cursorCodec, instantPart } from '@tagforge/common';
import { AuditLogRepository, EvaluationRunRepository, type EvaluationRunEntity } from '@tagforge/persistence';
import { RunService } from './run.service';

export const DEFAULT_RUNS_PAGE = 50;
export const MAX_RUNS_PAGE = 500;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface RunPosition {
  createdAt: Date;
  id: string;
}

// Runs are listed newest first: a position is the last run's creation time and id.
export const RUNS_CURSOR = cursorCodec<RunPosition>(
  2,
  (position) => [position.createdAt.toISOString(), position.id],
  ([createdAt, id]) => {
    const at = instantPart(createdAt);
    return at && UUID.test(id) ? { createdAt: at, id } : undefined;
  },
);

export interface RunView {
  id: string;
  kind: string;
  status: string;
  scope: Record<string, unknown>;
  progress: { total: number; done: number; percent: number };
  changed: number;
  failed: number;
  ruleErrors: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

function view(run: EvaluationRunEntity): RunView {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    scope: run.scope,
    progress: {
      total: run.total,
      done: run.done,
      percent:
        run.total === 0 ? (run.status === 'succeeded' ? 100 : 0) : Math.floor((run.done / run.total) * 100),
    },
    changed: run.changed,
    failed: run.failed,
    ruleErrors: run.ruleErrors,
    createdBy: run.createdBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: run.error,
  };
}

@Injectable()
export class RunQueryService {
  constructor(
    private readonly runs: EvaluationRunRepository,
    private readonly runService: RunService,
    private readonly audit: AuditLogRepository,
  ) {}

  async get(id: string): Promise<RunView> {
    const run = await this.runs.find(id);
    if (!run) throw new TagforgeException(ErrorCode.NotFound, `no run ${id}`);
    return view(run);
  }

  async list(page: {
    limit: number;
    before?: RunPosition;
  }): Promise<{ items: RunView[]; nextCursor: string | null }> {
    const rows = await this.runs.list(page.limit + 1, page.before);
    const items = rows.slice(0, page.limit).map(view);
    const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
    return {
      items,
      nextCursor: last ? RUNS_CURSOR.encode({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  // A stop requested by a key: allowed with one key under maker-checker too, since it only returns to
  // what was approved before (stopping a change needs one key; making one needs two).
  async cancel(id: string, actor: { keyId: string | null; name: string }) {
    const run = /^[0-9a-f-]{36}$/.test(id) ? await this.runs.find(id) : null;
    if (!run) throw new TagforgeException(ErrorCode.NotFound, `no run ${id}`);
    if (run.kind === 'rollback') {
      throw new TagforgeException(ErrorCode.Conflict, `run ${id} is a rollback; it runs to completion`);
    }
    const outcome = await this.runService.stop(id, 'cancelled', `cancelled by ${actor.name}`, actor);
    if (!outcome.stopped) throw new TagforgeException(ErrorCode.Conflict, `run ${id} has already finished`);
    return { ...view((await this.runs.find(id))!), rollbackRunId: outcome.rollbackRunId };
  }

  async startRecompute(actor: {
    keyId: string | null;
    name: string;
  }): Promise<{ runId: string; status: string }> {
    const run = await this.runService.createRecompute(actor.name);
    await this.audit.append({
      actorKeyId: actor.keyId,
      actorName: actor.name,
      action: 'run.start',
      entity: 'evaluation_run',
      entityId: run.id,
      after: { kind: run.kind, tags: (run.scope as { tags?: string[] }).tags?.length ?? 0 },
    });
    await this.runService.launch(run.id);
    return { runId: run.id, status: run.status };
  }
}
