import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { grants, type Principal } from '@tagforge/auth';
import { SandboxService } from '@tagforge/pipeline';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';
import { UNTIL_COLON } from '../http/routes';

const SANDBOX_REQUEST = {
  definitions: [
    {
      id: 'low_risk',
      name: 'Low risk',
      kind: 'boolean',
      purpose: 'risk',
      category: 'credit_risk',
      rule: { and: [{ '!!': { var: 'bureau.score' } }, { '>=': [{ var: 'bureau.score' }, 680] }] },
    },
  ],
  population: 'all',
};

const viewerOf = (principal: Principal) => ({ bureau: grants(principal.scopes, 'bureau:read') });

@ApiTags('sandbox')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/sandbox')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post('runs')
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary:
      'Try draft definitions on the real population (all, a seeded sample or listed ids); writes no live state',
  })
  @ApiBody({ schema: { type: 'object', example: SANDBOX_REQUEST } })
  @ApiResponse({ status: 202, schema: { example: { runId: '2f7c...', status: 'queued' } } })
  @ApiResponse(ERROR_RESPONSES.invalidDefinition)
  start(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.sandbox.start(body, actorOf(principal), viewerOf(principal));
  }

  @Get('runs/:id')
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Status, progress and the result: per draft tag set/setBefore/entered/left, segments moved',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        status: 'succeeded',
        progress: { total: 100000, done: 100000, percent: 100 },
        tags: [
          {
            tagId: 'low_risk',
            kind: 'boolean',
            set: 41200,
            setBefore: 37080,
            entered: 4300,
            left: 180,
            changed: 0,
          },
        ],
        segments: [
          { segmentId: 'instant_approval_offer', sizeNow: 3740, sizeWithDraft: 4105, entered: 380, left: 15 },
        ],
      },
    },
  })
  @ApiResponse(ERROR_RESPONSES.notFound)
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.sandbox.get(id, viewerOf(principal));
  }

  @Get('runs/:id/customers')
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Customers who would enter or leave (or change value), each with an explanation' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'change', enum: ['entered', 'left', 'changed'] })
  @ApiQuery({
    name: 'tagId',
    required: false,
    description: 'a draft or a tag that reads it; the first draft by default',
  })
  @ApiQuery({ name: 'limit', required: false, example: 20 })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse(ERROR_RESPONSES.notFound)
  customers(
    @Param('id') id: string,
    @Query() query: { change?: string; tagId?: string; limit?: string; cursor?: string },
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.sandbox.customers(id, query, viewerOf(principal));
  }

  @Post(`runs/:id${UNTIL_COLON}::publish`)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Turn the drafts of a finished sandbox run into new draft versions (then approve and activate)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 201,
    schema: { example: { runId: '2f7c...', drafts: [{ tagId: 'low_risk', version: 2 }] } },
  })
  @ApiResponse(ERROR_RESPONSES.notFound)
  publish(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.sandbox.publish(id, actorOf(principal));
  }
}
