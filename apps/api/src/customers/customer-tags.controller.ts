import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CustomerTagsService } from '@tagforge/pipeline';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';

@ApiTags('customers')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/customers')
export class CustomerTagsController {
  constructor(private readonly tags: CustomerTagsService) {}

  @Get(':id/tags')
  @RequireScope('tags:read')
  @ApiOperation({ summary: "A customer's current tags (unset booleans left out)" })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiResponse({
    status: 200,
    description: 'Current tag values',
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
  current(@Param('id') id: string) {
    return this.tags.current(id);
  }
}
