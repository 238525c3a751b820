import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { grants, type Principal } from '@tagforge/auth';
import { ErrorCode } from '@tagforge/common';
import {
  DEFAULT_SAMPLE,
  InsightsService,
  MAX_OVERLAP_AUDIENCES,
  MAX_SIZE_SERIES,
  SIZE_INTERVALS,
  type SizeInterval,
} from '@tagforge/insights';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { DtoBodyPipe } from '../http/body.pipe';
import { negotiateExportFormat } from '../http/export-format';
import { streamAdHocExport } from './ad-hoc-export';
import { AS_OF_PROBLEM, Refuses, errorResponse } from '../http/openapi';
import { AS_OF, InstantPipe, NumberPipe, OneOfPipe, TagIdPipe, TextPipe } from '../http/params';
import { ExportLinkDto } from '../audiences/audience.dto';
import { EXPORT_TOKEN_TTL_SECONDS, ExportTokens } from '../audiences/export-tokens';
import { EXPORTS_PATH } from '../audiences/exports.controller';
import {
  AudiencePipe,
  BINS_DESCRIPTION,
  BreakdownDto,
  CountDto,
  CountRequestDto,
  DistributionDto,
  ExportRequestDto,
  OverlapDto,
  OverlapRequestDto,
  RequiredTagIdPipe,
  SizesDto,
  SizesListDto,
  TagIdListPipe,
  binsOf,
  bodyInstant,
  parseAudience,
} from './insights.dto';
import type { AudienceText } from '@tagforge/insights';

const canReadBureau = (principal: Principal) => grants(principal.scopes, 'bureau:read');
const RULE_PROBLEMS = [{ code: 'unknown_tag', message: 'no active tag high_intnet', pointer: '/and/0/var' }];

// The intervals of a size series, one audience's or several.
const SizeSeriesQueries = () =>
  applyDecorators(
    ApiQuery({ name: 'interval', required: false, enum: SIZE_INTERVALS, description: 'day by default' }),
    ApiQuery({
      name: 'from',
      required: false,
      example: '2026-11-01T00:00:00Z',
      description: 'default: 30 days, 12 weeks or 12 months before to',
    }),
    ApiQuery({ name: 'to', required: false, example: '2026-12-01T00:00:00Z', description: 'default: now' }),
  );

@ApiTags('insights')
@Controller('v1/insights')
export class InsightsController {
  constructor(
    private readonly insights: InsightsService,
    private readonly tokens: ExportTokens,
  ) {}

  @Post('overlap')
  @HttpCode(200)
  @RequireScope('insights:read')
  @ApiOperation({
    summary: `Overlap of up to ${MAX_OVERLAP_AUDIENCES} audiences: every intersection, each size, Jaccard (exact)`,
  })
  @ApiBody({ type: OverlapRequestDto })
  @ApiOkResponse({ type: OverlapDto })
  @Refuses.badRequest(
    `audiences missing, empty, too many or malformed, value/min/max that do not fit a tag, ${AS_OF_PROBLEM}`,
  )
  @Refuses.notFound('no active segment or tag with this id (at asOf)')
  async overlap(
    @Body(new DtoBodyPipe(OverlapRequestDto, '{"audiences": [...], "asOf"?: instant}'))
    body: OverlapRequestDto,
  ) {
    const audiences = body.audiences.map((text, i) => parseAudience(text, `audiences[${i}]`));
    return this.insights.overlap(audiences, bodyInstant(body.asOf, 'asOf'));
  }

  @Post('count')
  @HttpCode(200)
  @RequireScope('insights:read')
  @ApiOperation({
    summary:
      'An ad-hoc audience: the size and first members of any combination of tags, without a definition',
    description:
      'The rule is validated like a segment rule (tags only) and evaluated with the catalog engine once per distinct combination of the values of the tags it reads: exact.',
  })
  @ApiBody({ type: CountRequestDto })
  @ApiOkResponse({ type: CountDto })
  @Refuses.badRequest(`rule missing, sample out of range, other fields, ${AS_OF_PROBLEM}`)
  @Refuses.unprocessable('the rule is not a valid ad-hoc audience', { problems: RULE_PROBLEMS })
  count(
    @Body(new DtoBodyPipe(CountRequestDto, '{"rule": JSON Logic, "asOf"?: instant, "sample"?: n}'))
    body: CountRequestDto,
  ) {
    return this.insights.count(body.rule, {
      asOf: bodyInstant(body.asOf, 'asOf'),
      sample: body.sample ?? DEFAULT_SAMPLE,
    });
  }

  @Post('export')
  @HttpCode(200)
  @RequireScope('insights:read')
  @ApiOperation({
    summary: 'The members of an ad-hoc audience, streamed as CSV or NDJSON',
    description:
      'The whole list in customer id order, page by page with backpressure; a point-in-time export names its instant in the Tagforge-As-Of header.',
  })
  @ApiBody({ type: ExportRequestDto })
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiOkResponse({
    description: 'customer_id per line (CSV with a header) or {"customerId"} per line (NDJSON)',
    content: {
      'text/csv': { schema: { type: 'string' }, example: 'customer_id\nC0000042\n' },
      'application/x-ndjson': { schema: { type: 'string' }, example: '{"customerId":"C0000042"}\n' },
    },
  })
  @Refuses.badRequest(`rule missing, format not csv or ndjson, other fields, ${AS_OF_PROBLEM}`)
  @Refuses.unprocessable('the rule is not a valid ad-hoc audience', { problems: RULE_PROBLEMS })
  async export(
    @Body(
      new DtoBodyPipe(
        ExportRequestDto,
        '{"rule": JSON Logic, "asOf"?: instant, "format"?: "csv" | "ndjson"}',
      ),
    )
    body: ExportRequestDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const asOf = bodyInstant(body.asOf, 'asOf');
    const format = body.format ?? negotiateExportFormat(request, { json: false });
    await streamAdHocExport(this.insights, reply, body.rule, { asOf, format });
  }

  @Post('export::link')
  @RequireScope('insights:read')
  @ApiOperation({
    summary: 'A one-time download link for the members of an ad-hoc audience (CSV or NDJSON)',
    description:
      'The same export as POST /v1/insights/export, the rule checked now with this key, ' +
      `delivered by a link that needs no key, works once and within ${EXPORT_TOKEN_TTL_SECONDS} s. ` +
      'For a browser: it saves the streamed file itself, so the list never passes through a page.',
  })
  @ApiBody({ type: ExportRequestDto })
  @ApiCreatedResponse({ type: ExportLinkDto })
  @Refuses.badRequest(`rule missing, format not csv or ndjson, other fields, ${AS_OF_PROBLEM}`)
  @Refuses.unprocessable('the rule is not a valid ad-hoc audience', { problems: RULE_PROBLEMS })
  @errorResponse(
    503,
    ErrorCode.ServiceUnavailable,
    'download links need Redis, which is not reachable now; retry later',
  )
  async exportLink(
    @Body(
      new DtoBodyPipe(
        ExportRequestDto,
        '{"rule": JSON Logic, "asOf"?: instant, "format"?: "csv" | "ndjson"}',
      ),
    )
    body: ExportRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ExportLinkDto> {
    const asOf = bodyInstant(body.asOf, 'asOf');
    // Refused now, as JSON, rather than as a failed download later.
    await this.insights.checkExport(body.rule, asOf);
    const format = body.format ?? 'csv';
    const { token, expiresAt } = await this.tokens.issue({
      keyId: principal.keyId,
      rule: body.rule,
      format,
      ...(asOf ? { asOf: asOf.toISOString() } : {}),
    });
    return { url: `/${EXPORTS_PATH}/${token}`, format, expiresAt: expiresAt.toISOString() };
  }

  @Get('breakdown')
  @RequireScope('insights:read', 'breaking down by a tag computed from bureau data alone needs "bureau:read"')
  @ApiOperation({
    summary:
      'What an audience is made of: counts per value of a tag inside it and in the population, shares, TGI',
    description:
      'TGI (target group index) = share in the audience ÷ share in the population × 100; 100 is "like everyone".',
  })
  @ApiQuery({ name: 'audience', required: true, example: 'high_intent_loan_demand' })
  @ApiQuery({ name: 'by', required: true, example: 'city_tier', description: 'a category or number tag' })
  @ApiQuery({ name: 'bins', required: false, example: '580,650,700', description: BINS_DESCRIPTION })
  @ApiQuery({
    name: 'quantiles',
    required: false,
    type: Number,
    example: 10,
    description: 'a number tag: bins of equal population (default 10)',
  })
  @ApiOkResponse({ type: BreakdownDto })
  @Refuses.badRequest(
    'audience or by missing or malformed, bins or quantiles malformed or for a category tag, value/min/max that do not fit the tag',
  )
  @Refuses.notFound('no active segment or tag with this id')
  breakdown(
    @Query('audience', new AudiencePipe('audience')) audience: AudienceText,
    @Query('by', new RequiredTagIdPipe('by')) by: string,
    @Query('bins') bins: unknown,
    @Query('quantiles') quantiles: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.insights.breakdown(audience, by, binsOf(bins, quantiles), canReadBureau(principal));
  }
}

@ApiTags('insights')
@Controller('v1/audiences')
export class AudienceSizesController {
  constructor(private readonly insights: InsightsService) {}

  @Get('sizes')
  @RequireScope('insights:read')
  @ApiOperation({
    summary: `Up to ${MAX_SIZE_SERIES} segments' or boolean tags' sizes over time in one request`,
    description:
      'Each series equals GET /v1/audiences/{id}/sizes for that id with the same interval, from and to; all are read from the daily rollup in one statement. A category or number tag needs a value or bounds: ask the single route.',
  })
  @ApiQuery({
    name: 'ids',
    required: true,
    // One comma-separated value (a repeated ?ids= is refused), not an array of values.
    type: String,
    example: 'high_intent_loan_demand,low_risk_customers',
    description: `1 to ${MAX_SIZE_SERIES} segment or boolean tag ids separated by commas, each once`,
  })
  @SizeSeriesQueries()
  @ApiOkResponse({ type: SizesListDto })
  @Refuses.badRequest(
    `ids missing, malformed, repeated, more than ${MAX_SIZE_SERIES} or naming a category or number tag; from/to not ISO 8601 instants or in the future, from after to, more than 1000 intervals`,
  )
  @Refuses.notFound('no active segment or tag with these ids (all of them named)')
  async sizesOfMany(
    @Query('ids', new TagIdListPipe('ids', MAX_SIZE_SERIES)) ids: string[],
    @Query('interval', new OneOfPipe<SizeInterval>('interval', SIZE_INTERVALS))
    interval: SizeInterval | undefined,
    @Query('from', new InstantPipe('from', true)) from: Date | undefined,
    @Query('to', new InstantPipe('to', true)) to: Date | undefined,
  ) {
    return { items: await this.insights.sizesOfMany(ids, { from, to, interval: interval ?? 'day' }) };
  }

  @Get(':id/sizes')
  @RequireScope(
    'insights:read',
    'a category or number tag computed from bureau data alone needs "bureau:read"',
  )
  @ApiOperation({
    summary: 'An audience over time: per interval its size at the end, who entered and who exited',
    description:
      'Any audience: a segment, a boolean tag, a category tag by value, a number tag within bounds. Read from a daily rollup written in the same transaction as the history (no lag); interval by interval equal to membership asOf the interval end. Intervals are UTC days, ISO weeks (from Monday) or calendar months.',
  })
  @ApiParam({ name: 'id', example: 'high_intent_loan_demand' })
  @ApiQuery({ name: 'value', required: false, description: 'a category tag: the value' })
  @ApiQuery({
    name: 'min',
    required: false,
    type: Number,
    description: 'a number tag: lower bound, inclusive',
  })
  @ApiQuery({
    name: 'max',
    required: false,
    type: Number,
    description: 'a number tag: upper bound, inclusive',
  })
  @SizeSeriesQueries()
  @ApiOkResponse({ type: SizesDto })
  @Refuses.badRequest(
    'a malformed id, from/to not ISO 8601 instants or in the future, from after to, more than 1000 intervals, value/min/max that do not fit the tag',
  )
  @Refuses.notFound('no active segment or tag with this id')
  sizes(
    @Param('id', TagIdPipe) id: string,
    @Query('value', new TextPipe('value')) value: string | undefined,
    @Query('min', new NumberPipe('min')) min: number | undefined,
    @Query('max', new NumberPipe('max')) max: number | undefined,
    @Query('interval', new OneOfPipe<SizeInterval>('interval', SIZE_INTERVALS))
    interval: SizeInterval | undefined,
    @Query('from', new InstantPipe('from', true)) from: Date | undefined,
    @Query('to', new InstantPipe('to', true)) to: Date | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.insights.sizes(
      { id, value, min, max },
      { from, to, interval: interval ?? 'day' },
      canReadBureau(principal),
    );
  }
}

@ApiTags('insights')
@Controller('v1/tags')
export class TagDistributionController {
  constructor(private readonly insights: InsightsService) {}

  @Get(':id/distribution')
  @RequireScope('insights:read', 'a tag computed from bureau data alone needs "bureau:read"')
  @ApiOperation({
    summary:
      "A tag's distribution (value counts or histogram, coverage), and its drift (PSI) against another instant",
    description:
      'Category tags: counts per value; number tags: a histogram over fixed or quantile bins (quantiles of the compare side when given, else of the side shown). PSI of the asOf side against compare: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.',
  })
  @ApiParam({ name: 'id', example: 'credit_risk_score' })
  @ApiQuery({
    name: 'asOf',
    required: false,
    example: '2026-11-27T08:00:00Z',
    description: 'the distribution at that instant (default now)',
  })
  @ApiQuery({
    name: 'compare',
    required: false,
    example: '2026-10-01T00:00:00Z',
    description: 'an earlier instant to measure drift against',
  })
  @ApiQuery({ name: 'bins', required: false, example: '580,650,700', description: BINS_DESCRIPTION })
  @ApiQuery({
    name: 'quantiles',
    required: false,
    type: Number,
    example: 10,
    description: 'a number tag: bins of equal population (default 10)',
  })
  @ApiOkResponse({ type: DistributionDto })
  @Refuses.badRequest(
    `a malformed id, ${AS_OF_PROBLEM}, compare likewise, bins or quantiles malformed or for a tag that is not a number tag`,
  )
  @Refuses.notFound('no active tag with this id')
  distribution(
    @Param('id', TagIdPipe) id: string,
    @Query('asOf', AS_OF()) asOf: Date | undefined,
    @Query('compare', new InstantPipe('compare', true)) compare: Date | undefined,
    @Query('bins') bins: unknown,
    @Query('quantiles') quantiles: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.insights.distribution(
      id,
      { asOf, compare, bins: binsOf(bins, quantiles) },
      canReadBureau(principal),
    );
  }
}
