import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { grants, type Principal } from '@tagforge/auth';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import {
  CustomerTagsService,
  CustomerViewService,
  HISTORY_CURSOR,
  MAX_LOOKUP_CUSTOMERS,
  type HistoryPosition,
} from '@tagforge/serving';
import type { NarrativeLanguage } from '@tagforge/rules';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { DtoBodyPipe } from '../http/body.pipe';
import { AS_OF_PROBLEM, PAGING_PROBLEMS, Refuses } from '../http/openapi';
import {
  AS_OF,
  CursorPipe,
  CustomerIdPipe,
  InstantPipe,
  LimitPipe,
  OneOfPipe,
  OptionalTagIdPipe,
  TagIdPipe,
} from '../http/params';
import {
  CustomerSegmentsDto,
  CustomerTagsDto,
  HistoryPageDto,
  LookupRequestDto,
  LookupResultDto,
  TagExplanationDto,
} from './customer.dto';

const CUSTOMER_PARAM = ApiParam({ name: 'id', example: 'C0000042' });

@ApiTags('customers')
// The explain answer names its schema itself (two media types).
@ApiExtraModels(TagExplanationDto)
@Controller('v1/customers')
export class CustomerTagsController {
  constructor(
    private readonly tags: CustomerTagsService,
    private readonly views: CustomerViewService,
  ) {}

  @Post('tags::lookup')
  @HttpCode(200)
  @RequireScope('tags:read')
  @ApiOperation({
    summary: `Current tags of up to ${MAX_LOOKUP_CUSTOMERS} customers at once (unknown customers listed apart)`,
  })
  @ApiBody({ type: LookupRequestDto })
  @ApiOkResponse({ type: LookupResultDto })
  @Refuses.badRequest('customerIds missing, empty, too many or malformed; tagIds malformed; other fields')
  @Refuses.unprocessable('no active tag do_not_markt', [
    { pointer: '/tagIds/0', tagId: 'do_not_markt', message: 'no active tag with this id' },
  ])
  lookup(
    @Body(new DtoBodyPipe(LookupRequestDto, '{"customerIds": [...], "tagIds"?: [...]}'))
    body: LookupRequestDto,
  ) {
    return this.views.lookup(body);
  }

  @Get(':id/tags')
  @RequireScope('tags:read')
  @ApiOperation({ summary: "A customer's tags: current values, or as they were at `asOf` (from history)" })
  @CUSTOMER_PARAM
  @ApiQuery({ name: 'asOf', required: false, example: '2026-11-01T08:00:00Z' })
  @ApiOkResponse({ type: CustomerTagsDto })
  @Refuses.badRequest(`a malformed customer id, ${AS_OF_PROBLEM}`)
  @Refuses.notFound('customer C0000042 has no profile')
  current(@Param('id', CustomerIdPipe) id: string, @Query('asOf', AS_OF()) asOf?: Date) {
    return asOf === undefined ? this.tags.current(id) : this.views.tagsAsOf(id, asOf);
  }

  @Get(':id/segments')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'The segments a customer is in, with since' })
  @CUSTOMER_PARAM
  @ApiOkResponse({ type: CustomerSegmentsDto })
  @Refuses.badRequest('a malformed customer id')
  @Refuses.notFound('customer C0000042 has no profile')
  segments(@Param('id', CustomerIdPipe) id: string) {
    return this.views.segments(id);
  }

  @Get(':id/tags/history')
  @RequireScope('tags:read')
  @ApiOperation({ summary: "A customer's tag changes, newest first (keyset-paged)" })
  @CUSTOMER_PARAM
  @ApiQuery({
    name: 'tagId',
    required: false,
    description: 'only this tag (404 when no such tag ever existed)',
  })
  @ApiQuery({ name: 'from', required: false, description: 'changes at or after this instant' })
  @ApiQuery({ name: 'to', required: false, description: 'changes before this instant' })
  @ApiQuery({ name: 'limit', required: false, type: Number, example: 100, description: '1 to 1000' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: HistoryPageDto })
  @Refuses.badRequest(`a malformed customer or tag id, from/to not ISO 8601 instants, ${PAGING_PROBLEMS}`)
  @Refuses.notFound('customer C0000042 has no profile, or no tag with this tagId')
  history(
    @Param('id', CustomerIdPipe) id: string,
    @Query('tagId', new OptionalTagIdPipe('tagId')) tagId: string | undefined,
    @Query('from', new InstantPipe('from')) from: Date | undefined,
    @Query('to', new InstantPipe('to')) to: Date | undefined,
    @Query('limit', new LimitPipe(100, 1000)) limit: number,
    @Query('cursor', new CursorPipe(HISTORY_CURSOR)) before: HistoryPosition | undefined,
  ) {
    return this.views.history(id, { tagId, from, to, before, limit });
  }

  @Get(':id/tags/:tagId/explain')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'Why a tag holds: as data (value, definition version, values read, trace) or in words',
    description:
      'With `format=text` the explanation is plain text a call-centre agent can read aloud, in English (`lang=en`) or Chinese (`lang=zh`): one line for the tag, then one per tag its rule reads. Credit-bureau values are withheld from keys without bureau:read and from marketing explanations.',
  })
  @CUSTOMER_PARAM
  @ApiParam({ name: 'tagId', example: 'instant_approval_offer' })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: ['json', 'text'],
    description: 'json (the default) or text',
  })
  @ApiQuery({ name: 'lang', required: false, enum: ['en', 'zh'], description: 'the language of format=text' })
  @ApiProduces('application/json', 'text/plain')
  @ApiOkResponse({
    description: 'the explanation',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(TagExplanationDto) } },
      'text/plain': {
        schema: { type: 'string' },
        example:
          'Low risk: yes — Bureau score 754 on file; Bureau score 754 is at least 680; Thin credit file: no; Currently overdue: no\n',
      },
    },
  })
  @Refuses.badRequest('a malformed customer or tag id, format or lang not one of theirs')
  @Refuses.notFound('customer C0000042 has no profile, or no active tag with this id')
  async explain(
    @Param('id', CustomerIdPipe) id: string,
    @Param('tagId', TagIdPipe) tagId: string,
    @Query('format', new OneOfPipe('format', ['json', 'text'] as const)) format: 'json' | 'text' | undefined,
    @Query('lang', new OneOfPipe('lang', ['en', 'zh'] as const)) lang: NarrativeLanguage | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (format !== 'text') {
      if (lang !== undefined) {
        throw new TagforgeException(ErrorCode.BadRequest, 'lang applies to format=text');
      }
      return this.views.explain(id, tagId, { bureau: grants(principal.scopes, 'bureau:read') });
    }
    const { text } = await this.views.explainText(
      id,
      tagId,
      lang ?? 'en',
      grants(principal.scopes, 'bureau:read'),
    );
    void reply.header('Content-Type', 'text/plain; charset=utf-8');
    return text;
  }
}
