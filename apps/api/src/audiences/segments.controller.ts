import { Controller, Get, Param, Query, Req, Res, applyDecorators } from '@nestjs/common';
import {
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
import {
  AudienceService,
  CHANGES_CURSOR,
  DEFAULT_CHANGES_PAGE,
  DEFAULT_MEMBERS_PAGE,
  MAX_CHANGES_PAGE,
  MAX_EXPORT_COLUMNS,
  MAX_MEMBERS_PAGE,
  MEMBERS_CURSOR,
  type AudienceKind,
  type ColumnRequest,
  type FeedPosition,
} from '@tagforge/serving';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { AS_OF_PROBLEM, PAGING_PROBLEMS, Refuses } from '../http/openapi';
import {
  AS_OF,
  CursorPipe,
  LimitPipe,
  NumberPipe,
  SinceCursorPipe,
  TagIdPipe,
  TextPipe,
} from '../http/params';
import { AS_OF_HEADER, sendMembers } from './audience-routes';
import {
  AudienceListDto,
  AudienceSummaryDto,
  ChangesPageDto,
  ColumnsPipe,
  MembersPageDto,
} from './audience.dto';

const AS_OF_QUERY = ApiQuery({
  name: 'asOf',
  required: false,
  example: '2026-11-27T08:00:00Z',
  description: 'the answer at that past instant (from history), with the definition version active then',
});
const VALUE_QUERIES = applyDecorators(
  ApiQuery({ name: 'value', required: false, description: 'a category tag: the value (e.g. risk_grade=A)' }),
  ApiQuery({
    name: 'min',
    required: false,
    type: Number,
    description: 'a number tag: lower bound, inclusive',
  }),
  ApiQuery({
    name: 'max',
    required: false,
    type: Number,
    description: 'a number tag: upper bound, inclusive',
  }),
);

const MembersRoute = (summary: string, example: string, kind: AudienceKind) =>
  applyDecorators(
    Get(':id/members'),
    RequireScope('segments:read', 'a profile:bureau.* column needs "bureau:read" as well'),
    ApiOperation({
      summary,
      description:
        'Keyset-paged by customer id as JSON; with `Accept: text/csv` or `application/x-ndjson` the whole list is streamed (a point-in-time export names its instant in the Tagforge-As-Of header). ' +
        `\`columns\` adds up to ${MAX_EXPORT_COLUMNS} values per member: \`tag:<id>\` (at asOf too) and \`profile:<path>\` (current values only; \`bureau.*\` needs bureau:read).`,
    }),
    ApiParam({ name: 'id', example }),
    ...(kind === 'tag' ? [VALUE_QUERIES] : []),
    ApiQuery({
      name: 'limit',
      required: false,
      type: Number,
      example: DEFAULT_MEMBERS_PAGE,
      description: `1 to ${MAX_MEMBERS_PAGE}`,
    }),
    ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the previous page' }),
    AS_OF_QUERY,
    ApiQuery({
      name: 'columns',
      required: false,
      // One comma-separated value (a repeated ?columns= is refused), not an array of values.
      type: String,
      example: 'tag:risk_grade,tag:preferred_channel,profile:demographics.cityTier',
    }),
    ApiExtraModels(MembersPageDto),
    ApiOkResponse({
      description:
        'a page as JSON, or the whole list as CSV (customer_id,since,<columns>) or NDJSON (one member per line)',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(MembersPageDto) } },
        'text/csv': {
          schema: { type: 'string' },
          example: 'customer_id,since\nC0000042,2026-11-02T08:00:01.120Z\n',
        },
        'application/x-ndjson': {
          schema: { type: 'string' },
          example: '{"customerId":"C0000042","since":"2026-11-02T08:00:01.120Z"}\n',
        },
      },
      headers: {
        [AS_OF_HEADER]: {
          description: 'exports at asOf: the instant answered for',
          schema: { type: 'string' },
        },
      },
    }),
    Refuses.badRequest(
      `${PAGING_PROBLEMS}, ${AS_OF_PROBLEM}, a malformed or unknown profile column, value/min/max that do not fit the tag`,
    ),
    Refuses.notFound(
      `no active ${kind === 'segment' ? 'segment' : 'tag'} with this id (at asOf), or an unknown tag column`,
    ),
  );

const ChangesRoute = (summary: string, example: string, kind: AudienceKind) =>
  applyDecorators(
    Get(':id/changes'),
    RequireScope('segments:read'),
    ApiOperation({
      summary,
      description:
        'Every entered/exited change exactly once, in order. Start with since=now (or the head of GET on the audience), take a full export, then pass each nextCursor back as since.',
    }),
    ApiParam({ name: 'id', example }),
    ...(kind === 'tag' ? [VALUE_QUERIES] : []),
    ApiQuery({
      name: 'since',
      required: false,
      description:
        'a nextCursor or head of this feed, or "now"; without it the feed starts at its oldest change',
    }),
    ApiQuery({
      name: 'limit',
      required: false,
      type: Number,
      example: DEFAULT_CHANGES_PAGE,
      description: `1 to ${MAX_CHANGES_PAGE}`,
    }),
    ApiOkResponse({ type: ChangesPageDto }),
    Refuses.badRequest(`${PAGING_PROBLEMS}, value/min/max that do not fit the tag`),
    Refuses.notFound(`no active ${kind === 'segment' ? 'segment' : 'tag'} with this id`),
  );

const membersLimit = () => new LimitPipe(DEFAULT_MEMBERS_PAGE, MAX_MEMBERS_PAGE);
const changesLimit = () => new LimitPipe(DEFAULT_CHANGES_PAGE, MAX_CHANGES_PAGE);
const canReadBureau = (principal: Principal) => grants(principal.scopes, 'bureau:read');

@ApiTags('segments')
@Controller('v1/segments')
export class SegmentsController {
  constructor(private readonly audiences: AudienceService) {}

  @Get()
  @RequireScope('segments:read')
  @ApiOperation({
    summary: 'Every active segment (at asOf: every segment active then) with its size and last change',
  })
  @AS_OF_QUERY
  @ApiOkResponse({ type: AudienceListDto })
  @Refuses.badRequest(AS_OF_PROBLEM)
  async list(@Query('asOf', AS_OF()) asOf?: Date) {
    return { items: await this.audiences.list(asOf), ...(asOf ? { asOf: asOf.toISOString() } : {}) };
  }

  @Get(':id')
  @RequireScope('segments:read')
  @ApiOperation({
    summary: 'A segment: definition, version, size and last change (at asOf if given), feed head',
  })
  @ApiParam({ name: 'id', example: 'instant_approval_offer' })
  @AS_OF_QUERY
  @ApiOkResponse({ type: AudienceSummaryDto })
  @Refuses.badRequest(`a malformed id, ${AS_OF_PROBLEM}`)
  @Refuses.notFound('no active segment with this id (at asOf)')
  get(@Param('id', TagIdPipe) id: string, @Query('asOf', AS_OF()) asOf?: Date) {
    return this.audiences.get({ id, kind: 'segment' }, asOf);
  }

  @MembersRoute(
    'Members of a segment, paged or streamed as CSV / NDJSON',
    'instant_approval_offer',
    'segment',
  )
  members(
    @Param('id', TagIdPipe) id: string,
    @Query('limit', membersLimit()) limit: number,
    @Query('cursor', new CursorPipe(MEMBERS_CURSOR)) after: string | undefined,
    @Query('asOf', AS_OF()) asOf: Date | undefined,
    @Query('columns', ColumnsPipe) columns: ColumnRequest[],
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ) {
    return sendMembers(
      this.audiences,
      { id, kind: 'segment' },
      { limit, after: after ?? null, asOf, columns },
      canReadBureau(principal),
      request,
      response,
    );
  }

  @ChangesRoute('Entered/exited feed of a segment', 'instant_approval_offer', 'segment')
  changes(
    @Param('id', TagIdPipe) id: string,
    @Query('since', new SinceCursorPipe(CHANGES_CURSOR)) since: FeedPosition | 'now' | undefined,
    @Query('limit', changesLimit()) limit: number,
  ) {
    return this.audiences.changes({ id, kind: 'segment' }, { since, limit });
  }
}

// Tags are audiences too: a boolean tag as it is, a category tag by value, a number tag by bounds.
@ApiTags('segments')
@Controller('v1/tags')
export class TagAudiencesController {
  constructor(private readonly audiences: AudienceService) {}

  @Get(':id/size')
  @RequireScope('segments:read')
  @ApiOperation({
    summary:
      'A tag as an audience: size and last change (at asOf if given, with the version active then), feed head',
  })
  @ApiParam({ name: 'id', example: 'opted_out' })
  @VALUE_QUERIES
  @AS_OF_QUERY
  @ApiOkResponse({ type: AudienceSummaryDto })
  @Refuses.badRequest(`a malformed id, ${AS_OF_PROBLEM}, value/min/max that do not fit the tag`)
  @Refuses.notFound('no active tag with this id (at asOf)')
  size(
    @Param('id', TagIdPipe) id: string,
    @Query('value', new TextPipe('value')) value: string | undefined,
    @Query('min', new NumberPipe('min')) min: number | undefined,
    @Query('max', new NumberPipe('max')) max: number | undefined,
    @Query('asOf', AS_OF()) asOf: Date | undefined,
  ) {
    return this.audiences.get({ id, kind: 'tag', value, min, max }, asOf);
  }

  @MembersRoute('Customers carrying a tag (a category by value, a number within bounds)', 'opted_out', 'tag')
  members(
    @Param('id', TagIdPipe) id: string,
    @Query('value', new TextPipe('value')) value: string | undefined,
    @Query('min', new NumberPipe('min')) min: number | undefined,
    @Query('max', new NumberPipe('max')) max: number | undefined,
    @Query('limit', membersLimit()) limit: number,
    @Query('cursor', new CursorPipe(MEMBERS_CURSOR)) after: string | undefined,
    @Query('asOf', AS_OF()) asOf: Date | undefined,
    @Query('columns', ColumnsPipe) columns: ColumnRequest[],
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ) {
    return sendMembers(
      this.audiences,
      { id, kind: 'tag', value, min, max },
      { limit, after: after ?? null, asOf, columns },
      canReadBureau(principal),
      request,
      response,
    );
  }

  @ChangesRoute(
    'Set/unset feed of a tag (a category value entered or left, a number entering or leaving bounds)',
    'opted_out',
    'tag',
  )
  changes(
    @Param('id', TagIdPipe) id: string,
    @Query('value', new TextPipe('value')) value: string | undefined,
    @Query('min', new NumberPipe('min')) min: number | undefined,
    @Query('max', new NumberPipe('max')) max: number | undefined,
    @Query('since', new SinceCursorPipe(CHANGES_CURSOR)) since: FeedPosition | 'now' | undefined,
    @Query('limit', changesLimit()) limit: number,
  ) {
    return this.audiences.changes({ id, kind: 'tag', value, min, max }, { since, limit });
  }
}
