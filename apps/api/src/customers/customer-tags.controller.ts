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
import { CustomerTagsService } from '@tagforge/pipeline';
import { CustomerViewService, MAX_LOOKUP_CUSTOMERS } from '@tagforge/serving';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';

@ApiTags('customers')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
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
    summary: `Current tags of up to ${MAX_LOOKUP_CUSTOMERS} customers at once (unknown ids listed apart)`,
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: { customerIds: ['C0000042', 'C0000043'], tagIds: ['low_risk', 'do_not_market'] },
    },
  })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        customers: [
          {
            customerId: 'C0000042',
            tags: [{ tagId: 'low_risk', value: true, since: '2026-11-02T08:00:01Z', tagVersion: 1 }],
          },
        ],
        unknown: ['C0000043'],
      },
    },
  })
  lookup(@Body() body: unknown) {
    return this.views.lookup(body);
  }

  @Get(':id/tags')
  @RequireScope('tags:read')
  @ApiOperation({ summary: "A customer's tags: current values, or as they were at `asOf` (from history)" })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiQuery({ name: 'asOf', required: false, example: '2026-11-01T08:00:00Z' })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        customerId: 'C0000042',
        profileVersion: 4,
        evaluatedVersion: 4,
        tags: [
          { tagId: 'low_risk', value: true, since: '2026-11-02T08:00:01.120Z', tagVersion: 1 },
          {
            tagId: 'loan_need_scenario',
            value: 'renovation',
            since: '2026-11-02T08:00:01.120Z',
            tagVersion: 1,
          },
        ],
      },
    },
  })
  @ApiResponse(ERROR_RESPONSES.notFound)
  current(@Param('id') id: string, @Query('asOf') asOf?: string) {
    return asOf === undefined ? this.tags.current(id) : this.views.tagsAsOf(id, asOf);
  }

  @Get(':id/segments')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'The segments a customer is in, with since' })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        customerId: 'C0000042',
        segments: [{ segmentId: 'low_risk_customers', since: '2026-11-02T08:00:01Z', segmentVersion: 1 }],
      },
    },
  })
  @ApiResponse(ERROR_RESPONSES.notFound)
  segments(@Param('id') id: string) {
    return this.views.segments(id);
  }

  @Get(':id/tags/history')
  @RequireScope('tags:read')
  @ApiOperation({ summary: "A customer's tag changes, newest first (keyset-paged)" })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiQuery({ name: 'tagId', required: false })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse(ERROR_RESPONSES.notFound)
  history(
    @Param('id') id: string,
    @Query() query: { tagId?: string; from?: string; to?: string; limit?: string; cursor?: string },
  ) {
    return this.views.history(id, query);
  }

  @Get(':id/tags/:tagId/explain')
  @RequireScope('tags:read')
  @ApiOperation({
    summary:
      'Why a tag holds: stored value, definition version, the profile values read, the trace and a readable account',
  })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiParam({ name: 'tagId', example: 'instant_approval_offer' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  explain(@Param('id') id: string, @Param('tagId') tagId: string, @CurrentPrincipal() principal: Principal) {
    return this.views.explain(id, tagId, { bureau: grants(principal.scopes, 'bureau:read') });
  }
}
