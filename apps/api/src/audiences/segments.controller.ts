import { Controller, Get, Param, Query, Req, Res, applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AudienceService } from '@tagforge/serving';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';
import { sendMembers } from './audience-routes';

const MEMBERS_EXAMPLE = {
  items: [
    { customerId: 'C0000042', since: '2026-11-02T08:00:01.120Z' },
    { customerId: 'C0000057', since: '2026-11-20T02:00:03.004Z' },
  ],
  nextCursor: 'WyJDMDAwMDA1NyJd',
};
const CHANGES_EXAMPLE = {
  items: [
    {
      seq: '91234',
      customerId: 'C0000042',
      change: 'entered',
      at: '2026-11-02T08:00:01.120Z',
      segmentVersion: 1,
    },
  ],
  nextCursor: 'WyI3NzEyIiwiOTEyMzQiXQ',
};

// The same audience routes serve segments and boolean tags.
const MembersRoute = (summary: string, example: string) =>
  applyDecorators(
    Get(':id/members'),
    RequireScope('segments:read'),
    ApiOperation({ summary }),
    ApiParam({ name: 'id', example }),
    ApiQuery({ name: 'limit', required: false, example: 1000, description: 'up to 10,000' }),
    ApiQuery({ name: 'cursor', required: false }),
    ApiQuery({
      name: 'asOf',
      required: false,
      example: '2026-11-27T08:00:00Z',
      description: 'membership at that instant',
    }),
    ApiProduces('application/json', 'text/csv', 'application/x-ndjson'),
    ApiResponse({ status: 200, schema: { example: MEMBERS_EXAMPLE } }),
    ApiResponse(ERROR_RESPONSES.notFound),
  );
const ChangesRoute = (summary: string, example: string) =>
  applyDecorators(
    Get(':id/changes'),
    RequireScope('segments:read'),
    ApiOperation({ summary }),
    ApiParam({ name: 'id', example }),
    ApiQuery({ name: 'since', required: false, description: 'the nextCursor of the previous call' }),
    ApiQuery({ name: 'limit', required: false, example: 1000 }),
    ApiResponse({ status: 200, schema: { example: CHANGES_EXAMPLE } }),
    ApiResponse(ERROR_RESPONSES.notFound),
  );

@ApiTags('segments')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/segments')
export class SegmentsController {
  constructor(private readonly audiences: AudienceService) {}

  @Get()
  @RequireScope('segments:read')
  @ApiOperation({ summary: 'Every active segment with its size and when it last changed' })
  async list() {
    return { items: await this.audiences.list('segment') };
  }

  @Get(':id')
  @RequireScope('segments:read')
  @ApiOperation({ summary: 'A segment: definition, version, size (at asOf if given), last change' })
  @ApiParam({ name: 'id', example: 'instant_approval_offer' })
  @ApiQuery({ name: 'asOf', required: false, example: '2026-11-27T08:00:00Z' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  get(@Param('id') id: string, @Query('asOf') asOf?: string) {
    return this.audiences.get(id, 'segment', asOf);
  }

  @MembersRoute(
    'Members, keyset-paged by customer id; with Accept text/csv or application/x-ndjson the whole list is streamed',
    'instant_approval_offer',
  )
  members(
    @Param('id') id: string,
    @Query() query: { limit?: string; cursor?: string; asOf?: string },
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ) {
    return sendMembers(this.audiences, 'segment', id, query, request, response);
  }

  @ChangesRoute(
    'Entered/exited feed: store nextCursor and pass it as since; every change comes exactly once, in order',
    'instant_approval_offer',
  )
  changes(@Param('id') id: string, @Query() query: { since?: string; limit?: string }) {
    return this.audiences.changes(id, 'segment', query);
  }
}

@ApiTags('segments')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/tags')
export class TagAudiencesController {
  constructor(private readonly audiences: AudienceService) {}

  @Get(':id/size')
  @RequireScope('segments:read')
  @ApiOperation({ summary: 'A boolean tag as an audience: size (at asOf if given) and last change' })
  @ApiParam({ name: 'id', example: 'opted_out' })
  @ApiQuery({ name: 'asOf', required: false })
  @ApiResponse(ERROR_RESPONSES.notFound)
  size(@Param('id') id: string, @Query('asOf') asOf?: string) {
    return this.audiences.get(id, 'tag', asOf);
  }

  @MembersRoute('Customers carrying a boolean tag: paged, or streamed as CSV / NDJSON', 'opted_out')
  members(
    @Param('id') id: string,
    @Query() query: { limit?: string; cursor?: string; asOf?: string },
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ) {
    return sendMembers(this.audiences, 'tag', id, query, request, response);
  }

  @ChangesRoute('Set/unset feed of a boolean tag, resumable by cursor', 'opted_out')
  changes(@Param('id') id: string, @Query() query: { since?: string; limit?: string }) {
    return this.audiences.changes(id, 'tag', query);
  }
}
