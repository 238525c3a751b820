import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, parseLimit } from '@tagforge/common';
import { AuditLogRepository, EvaluationRunRepository, type EvaluationRunEntity } from '@tagforge/persistence';
import { RunService } from './run.service';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

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

  async list(limitText?: string, cursor?: string): Promise<{ items: RunView[]; nextCursor: string | null }> {
    const limit = parseLimit(limitText, DEFAULT_LIMIT, MAX_LIMIT);
    const rows = await this.runs.list(limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
    const items = rows.slice(0, limit).map(view);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, nextCursor: last ? encodeCursor(last) : null };
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

function encodeCursor(run: EvaluationRunEntity): string {
  return Buffer.from(JSON.stringify([run.createdAt.toISOString(), run.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parts) || parts.length !== 2) throw new Error('bad cursor');
    const [createdAt, id] = parts as unknown[];
    const date = new Date(String(createdAt));
    const year = date.getUTCFullYear();
    if (Number.isNaN(date.getTime()) || year < 1970 || year > 9999) throw new Error('bad cursor');
    if (
      typeof id !== 'string' ||
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
    ) {
      throw new Error('bad cursor');
    }
    return { createdAt: date, id };
  } catch {
    throw new TagforgeException(ErrorCode.BadRequest, 'cursor is not one this API returned');
  }
}
