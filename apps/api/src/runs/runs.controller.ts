import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@tagforge/auth';
import {
  DEFAULT_RUNS_PAGE,
  MAX_RUNS_PAGE,
  RUNS_CURSOR,
  RunQueryService,
  type RunPosition,
} from '@tagforge/pipeline';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { DtoBodyPipe } from '../http/body.pipe';
import { PAGING_PROBLEMS, Refuses } from '../http/openapi';
import { CursorPipe, LimitPipe, RunIdPipe } from '../http/params';
import { UNTIL_COLON } from '../http/routes';
import { RecomputeRequestDto, RunCancelledDto, RunStartedDto, RunViewDto, RunsPageDto } from './run.dto';

@ApiTags('runs')
@Controller('v1/runs')
export class RunsController {
  constructor(private readonly runs: RunQueryService) {}

  @Get()
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'Evaluation runs, newest first (keyset-paged)' })
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    example: DEFAULT_RUNS_PAGE,
    description: `1 to ${MAX_RUNS_PAGE}`,
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: RunsPageDto })
  @Refuses.badRequest(PAGING_PROBLEMS)
  list(
    @Query('limit', new LimitPipe(DEFAULT_RUNS_PAGE, MAX_RUNS_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(RUNS_CURSOR)) before: RunPosition | undefined,
  ) {
    return this.runs.list({ limit, before });
  }

  @Get(':id')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'A run: status, progress, counts and rule errors' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RunViewDto })
  @Refuses.badRequest('a run id that is not a UUID')
  @Refuses.notFound('no run with this id')
  get(@Param('id', RunIdPipe) id: string) {
    return this.runs.get(id);
  }

  @Post(`:id${UNTIL_COLON}::cancel`)
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary:
      'Cancel a queued or running run; a cancelled activation or retirement is rolled back (versions restored, a rollback run)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RunCancelledDto })
  @Refuses.badRequest('a run id that is not a UUID')
  @Refuses.notFound('no run with this id')
  @Refuses.conflict('the run has already finished, or is a rollback (it runs to completion)')
  cancel(@Param('id', RunIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.runs.cancel(id, actorOf(principal));
  }

  @Post()
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Start a full recompute of every active tag for every customer' })
  @ApiBody({ type: RecomputeRequestDto })
  @ApiAcceptedResponse({ type: RunStartedDto })
  @Refuses.badRequest('the body must be {"kind": "recompute"}')
  start(
    @Body(new DtoBodyPipe(RecomputeRequestDto, '{"kind": "recompute"}')) _body: RecomputeRequestDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.runs.startRecompute(actorOf(principal));
  }
}
