import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EvaluationRunRepository, ProfileRepository } from '@tagforge/persistence';
import { QueueProducer } from '@tagforge/queue';
import { RequireScope } from '../auth/require-scope.decorator';
import { OpsStatusDto } from './ops-status.dto';

// Pending evaluations are counted up to this many: enough to tell "a few" from "a backlog".
export const PENDING_CAP = 100_000;

// How fresh the tags are and how much work is waiting, for the console's overview and for people
// watching a backfill: counts only, no customer data, hence tags:read like GET /v1/runs.
@ApiTags('ops')
@Controller('v1/ops')
export class OpsStatusController {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly runs: EvaluationRunRepository,
    private readonly queue: QueueProducer,
  ) {}

  @Get('status')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'Freshness (evaluation lag), queue depth and runs in progress',
    description:
      'Lag is the age of the oldest profile write whose tags are not evaluated yet; queue depth is per BullMQ queue (null while Redis is unreachable).',
  })
  @ApiOkResponse({ type: OpsStatusDto })
  async status(): Promise<OpsStatusDto> {
    const at = new Date();
    const [pending, runs, queues] = await Promise.all([
      this.profiles.pendingSummary(PENDING_CAP),
      this.runs.unfinishedCounts(),
      // Redis trouble is reported as "no queue figures", never as a failed status read.
      this.queue.jobCounts().catch(() => null),
    ]);
    const oldest = pending.oldest ? new Date(pending.oldest) : null;
    return {
      at: at.toISOString(),
      evaluation: {
        pending: pending.pending,
        pendingCap: PENDING_CAP,
        oldestPendingAt: oldest ? oldest.toISOString() : null,
        lagSeconds: oldest ? Math.max(0, (at.getTime() - oldest.getTime()) / 1000) : 0,
      },
      queues,
      runs,
    };
  }
}
