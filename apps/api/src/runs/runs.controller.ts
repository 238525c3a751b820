import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@tagforge/auth';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { RunQueryService } from '@tagforge/pipeline';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';
import { UNTIL_COLON } from '../http/routes';

@ApiTags('runs')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/runs')
export class RunsController {
  constructor(private readonly runs: RunQueryService) {}

  @Get()
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'Evaluation runs, newest first (keyset-paged)' })
  @ApiQuery({ name: 'limit', required: false, example: 50 })
  @ApiQuery({ name: 'cursor', required: false })
  list(@Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.runs.list(limit, cursor);
  }

  @Get(':id')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'A run: status, progress, counts and rule errors' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  get(@Param('id', new ParseUUIDPipe()) id: string) {
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
  @ApiResponse(ERROR_RESPONSES.notFound)
  cancel(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.runs.cancel(id, actorOf(principal));
  }

  @Post()
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Start a full recompute of every active tag for every customer' })
  @ApiBody({ schema: { type: 'object', example: { kind: 'recompute' } } })
  @ApiResponse({ status: 202, schema: { example: { runId: '8c1d...', status: 'queued' } } })
  start(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const kind = (body as { kind?: unknown } | null)?.kind;
    if (kind !== 'recompute' || Object.keys(body as object).length !== 1) {
      throw new TagforgeException(ErrorCode.BadRequest, 'the body must be {"kind": "recompute"}');
    }
    return this.runs.startRecompute(actorOf(principal));
  }
}
