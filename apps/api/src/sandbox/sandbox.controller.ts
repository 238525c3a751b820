import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { grants, type Principal } from '@tagforge/auth';
import {
  DEFAULT_SANDBOX_CUSTOMERS_PAGE,
  MAX_SANDBOX_CUSTOMERS_PAGE,
  SANDBOX_CUSTOMERS_CURSOR,
  SandboxService,
  type SandboxChangeKind,
  type SandboxRequest,
} from '@tagforge/pipeline';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { PAGING_PROBLEMS, Refuses } from '../http/openapi';
import { CursorPipe, LimitPipe, OneOfPipe, OptionalTagIdPipe, RunIdPipe } from '../http/params';
import { UNTIL_COLON } from '../http/routes';
import {
  ListedCustomersDto,
  PublishedDto,
  SampleDto,
  SandboxCustomersPageDto,
  SandboxRequestDto,
  SandboxRequestPipe,
  SandboxRunDto,
  SandboxStartedDto,
} from './sandbox.dto';

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

const RUN_PARAM = ApiParam({ name: 'id', format: 'uuid' });
const viewerOf = (principal: Principal) => ({ bureau: grants(principal.scopes, 'bureau:read') });

@ApiTags('sandbox')
@ApiExtraModels(SampleDto, ListedCustomersDto)
@Controller('v1/sandbox')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post('runs')
  @HttpCode(202)
  @RequireScope(
    'definitions:write',
    'trying drafts that read credit-bureau data needs the "bureau:read" scope',
  )
  @ApiOperation({
    summary:
      'Try draft definitions on the real population (all, a seeded sample or listed ids); writes no live state',
  })
  @ApiBody({ type: SandboxRequestDto, examples: { draft: { value: SANDBOX_REQUEST } } })
  @ApiAcceptedResponse({ type: SandboxStartedDto })
  @Refuses.badRequest(
    'definitions missing or more than 50, an unknown population, now not an ISO 8601 instant',
  )
  @Refuses.tooLarge()
  @Refuses.invalidDefinition()
  start(@Body(SandboxRequestPipe) request: SandboxRequest, @CurrentPrincipal() principal: Principal) {
    return this.sandbox.start(request, actorOf(principal), viewerOf(principal));
  }

  @Get('runs/:id')
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Status, progress and the result: per draft tag set/setBefore/entered/left, segments moved',
  })
  @RUN_PARAM
  @ApiOkResponse({ type: SandboxRunDto })
  @Refuses.badRequest('a run id that is not a UUID')
  @Refuses.notFound('no sandbox run with this id')
  get(@Param('id', RunIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.sandbox.get(id, viewerOf(principal));
  }

  @Get('runs/:id/customers')
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Customers who would enter or leave (or change value), each with an explanation' })
  @RUN_PARAM
  @ApiQuery({ name: 'change', enum: ['entered', 'left', 'changed'] })
  @ApiQuery({
    name: 'tagId',
    required: false,
    description: 'a draft or a tag that reads it; the first draft by default',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    example: DEFAULT_SANDBOX_CUSTOMERS_PAGE,
    description: `1 to ${MAX_SANDBOX_CUSTOMERS_PAGE}`,
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: SandboxCustomersPageDto })
  @Refuses.badRequest(`change missing or not entered, left or changed; ${PAGING_PROBLEMS}`)
  @Refuses.notFound('no sandbox run with this id, or a tagId the run does not affect')
  customers(
    @Param('id', RunIdPipe) id: string,
    @Query('change', new OneOfPipe('change', ['entered', 'left', 'changed'] as const, true))
    change: SandboxChangeKind,
    @Query('tagId', new OptionalTagIdPipe('tagId')) tagId: string | undefined,
    @Query('limit', new LimitPipe(DEFAULT_SANDBOX_CUSTOMERS_PAGE, MAX_SANDBOX_CUSTOMERS_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(SANDBOX_CUSTOMERS_CURSOR)) after: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.sandbox.customers(id, { change, tagId, limit, after }, viewerOf(principal));
  }

  @Post(`runs/:id${UNTIL_COLON}::publish`)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Turn the drafts of a finished sandbox run into new draft versions (then approve and activate)',
  })
  @RUN_PARAM
  @ApiCreatedResponse({ type: PublishedDto })
  @Refuses.badRequest('a run id that is not a UUID')
  @Refuses.notFound('no sandbox run with this id')
  @Refuses.conflict('the run has not succeeded')
  @Refuses.invalidDefinition()
  publish(@Param('id', RunIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.sandbox.publish(id, actorOf(principal));
  }
}
