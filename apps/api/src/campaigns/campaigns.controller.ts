import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { grants, type Principal } from '@tagforge/auth';
import { MAX_OUTCOME_LINES, type CampaignGroup } from '@tagforge/campaigns';
import {
  CAMPAIGN_MEMBERS_CURSOR,
  CAMPAIGNS_CURSOR,
  CampaignService,
  DEFAULT_CAMPAIGNS_PAGE,
  DEFAULT_MEMBERS_PAGE,
  MAX_CAMPAIGNS_PAGE,
  MAX_MEMBERS_PAGE,
} from '@tagforge/serving';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { DtoBodyPipe, NdjsonBodyPipe } from '../http/body.pipe';
import { PAGING_PROBLEMS, Refuses } from '../http/openapi';
import { negotiateExportFormat, startAttachment } from '../http/export-format';
import { CursorPipe, LimitPipe, OneOfPipe, OptionalTagIdPipe } from '../http/params';
import {
  CampaignDto,
  CampaignListDto,
  CampaignMembersPageDto,
  CampaignReportDto,
  CreateCampaignDto,
  OutcomeBatchReportDto,
} from './campaign.dto';
import { CampaignIdPipe } from './campaign-params';

const CAMPAIGN_PARAM = ApiParam({ name: 'id', example: 'loan-push-2026-12' });
const CAMPAIGN_ID_PROBLEM = 'a malformed campaign id';
const BUREAU_BY = 'a by tag computed from credit-bureau data alone needs "bureau:read" as well';

@ApiTags('campaigns')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('campaigns:write')
  @ApiOperation({
    summary: 'Create a campaign: freeze its audience now and split it into target and control',
    description:
      'The audience (a segment, a boolean tag, or "*" for every customer with a profile) is frozen as it stands, in one statement; each member goes to the control group when md5("<campaign id>:<customer id>") falls in the holdout (its first 32 bits modulo 10,000 below holdoutPercent × 100), otherwise to the target. Audited.',
  })
  @ApiBody({ type: CreateCampaignDto })
  @ApiCreatedResponse({ type: CampaignDto, description: 'Frozen' })
  @Refuses.badRequest('a body that does not fit, an audience that is a category or number tag')
  @Refuses.notFound('no active segment or tag instant_approval_offer')
  @Refuses.conflict('campaign loan-push-2026-12 exists')
  @Refuses.tooLarge()
  @Refuses.unsupportedMediaType()
  create(
    @Body(new DtoBodyPipe(CreateCampaignDto, '{"id", "name", "audience", "channel", "holdoutPercent"}'))
    body: CreateCampaignDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.campaigns.create(
      {
        id: body.id,
        name: body.name,
        audience: body.audience,
        channel: body.channel,
        holdoutPercent: body.holdoutPercent,
      },
      actorOf(principal),
    );
  }

  @Get()
  @RequireScope('insights:read')
  @ApiOperation({ summary: 'Every campaign, by id' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `1 to ${MAX_CAMPAIGNS_PAGE}` })
  @ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the previous page' })
  @ApiOkResponse({ type: CampaignListDto })
  @Refuses.badRequest(PAGING_PROBLEMS)
  list(
    @Query('limit', new LimitPipe(DEFAULT_CAMPAIGNS_PAGE, MAX_CAMPAIGNS_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(CAMPAIGNS_CURSOR)) after: string | undefined,
  ) {
    return this.campaigns.list(after ?? null, limit);
  }

  @Get(':id')
  @RequireScope('insights:read')
  @ApiOperation({ summary: 'A campaign: its audience, freeze instant and group sizes' })
  @CAMPAIGN_PARAM
  @ApiOkResponse({ type: CampaignDto })
  @Refuses.badRequest(CAMPAIGN_ID_PROBLEM)
  @Refuses.notFound('no campaign loan-push-2026-12')
  get(@Param('id', CampaignIdPipe) id: string) {
    return this.campaigns.get(id);
  }

  @Get(':id/members')
  @RequireScope('insights:read')
  @ApiOperation({
    summary: 'Members of a campaign (one group or both), paged or streamed as CSV / NDJSON',
    description:
      'Keyset-paged by customer id as JSON; with `Accept: text/csv` or `application/x-ndjson` the whole list is streamed.',
  })
  @CAMPAIGN_PARAM
  @ApiQuery({ name: 'group', required: false, enum: ['target', 'control'] })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `1 to ${MAX_MEMBERS_PAGE}` })
  @ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the previous page' })
  @ApiExtraModels(CampaignMembersPageDto)
  @ApiOkResponse({
    description: 'a page as JSON, or the whole list as CSV (customer_id,group) or NDJSON',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(CampaignMembersPageDto) } },
      'text/csv': { schema: { type: 'string' }, example: 'customer_id,group\nC0000042,control\n' },
      'application/x-ndjson': {
        schema: { type: 'string' },
        example: '{"customerId":"C0000042","group":"control"}\n',
      },
    },
  })
  @Refuses.badRequest(`${CAMPAIGN_ID_PROBLEM}, a group other than target or control, ${PAGING_PROBLEMS}`)
  @Refuses.notFound('no campaign loan-push-2026-12')
  async members(
    @Param('id', CampaignIdPipe) id: string,
    @Query('group', new OneOfPipe<CampaignGroup>('group', ['target', 'control']))
    group: CampaignGroup | undefined,
    @Query('limit', new LimitPipe(DEFAULT_MEMBERS_PAGE, MAX_MEMBERS_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(CAMPAIGN_MEMBERS_CURSOR)) after: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const format = negotiateExportFormat(request, { json: true });
    if (!format) {
      await reply.send(await this.campaigns.members(id, group ?? null, after ?? null, limit));
      return;
    }
    const name = `${id.replace(/[^A-Za-z0-9_-]/g, '_')}${group ? `-${group}` : ''}`;
    await this.campaigns.exportMembers(id, group ?? null, format, () => startAttachment(reply, format, name));
  }

  @Post(':id/outcomes')
  @HttpCode(200)
  @RequireScope('profiles:write')
  @ApiOperation({
    summary: 'Record outcomes of a campaign as NDJSON',
    description: `One {"customerId", "outcome", "at", "amount"?} per line, up to ${MAX_OUTCOME_LINES} lines; outcome is contacted, responded, converted, complained or defaulted. Idempotent per customer and outcome (a repeated line changes nothing, a corrected one replaces it). Each line is answered on its own; a customer who is not a member is refused on its line; when no line could be written the batch is a 422 whose error.details is the per-line report, and nothing is written.`,
  })
  @CAMPAIGN_PARAM
  @ApiConsumes('application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'string',
      example:
        '{"customerId":"C0000042","outcome":"converted","at":"2026-12-02T10:00:00Z","amount":50000}\n{"customerId":"C0000043","outcome":"contacted","at":"2026-12-01T09:00:00Z"}\n',
    },
  })
  @ApiOkResponse({ type: OutcomeBatchReportDto, description: 'Per-line results' })
  @Refuses.badRequest(`${CAMPAIGN_ID_PROBLEM}, a body without any line`)
  @Refuses.notFound('no campaign loan-push-2026-12')
  @Refuses.tooLarge()
  @Refuses.unsupportedMediaType()
  @Refuses.unprocessable('every line of the batch failed (1 of 1); nothing was written', [
    {
      line: 1,
      status: 'error',
      customerId: 'C9',
      error: { code: 'NOT_FOUND', message: 'line 1: C9 is not a member of campaign loan-push-2026-12' },
    },
  ])
  recordOutcomes(
    @Param('id', CampaignIdPipe) id: string,
    @Body(NdjsonBodyPipe) body: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.campaigns.recordOutcomes(id, body, actorOf(principal));
  }

  @Get(':id/report')
  @RequireScope('insights:read', BUREAU_BY)
  @ApiOperation({
    summary: 'Outcome rates of target and control, the lift and how sure it is; by a tag if asked',
    description:
      "Per group: members, members with each outcome, the rate and its Wilson 95 % interval; target against control per outcome: difference with Newcombe's interval, relative lift with its log-method interval, two-proportion z-test. With `by` the same per value of that tag (a category or boolean tag, or a segment) as the campaign's freeze saw it, so that what the campaign itself changed afterwards does not move customers between slices.",
  })
  @CAMPAIGN_PARAM
  @ApiQuery({ name: 'by', required: false, example: 'preferred_channel' })
  @ApiOkResponse({ type: CampaignReportDto })
  @Refuses.badRequest(`${CAMPAIGN_ID_PROBLEM}, a malformed by, a number tag as by`)
  @Refuses.notFound('no campaign loan-push-2026-12, or no active tag by that id')
  report(
    @Param('id', CampaignIdPipe) id: string,
    @Query('by', new OptionalTagIdPipe('by')) by: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.campaigns.report(id, by ?? null, grants(principal.scopes, 'bureau:read'));
  }
}
