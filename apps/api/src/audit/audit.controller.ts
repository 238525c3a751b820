import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AUDITED_ENTITIES } from '@tagforge/persistence';
import { AuditViewService } from '@tagforge/serving';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';

@ApiTags('audit')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditViewService) {}

  @Get()
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Who changed what and when: definitions, approvals, activations, keys, erasures, runs',
  })
  @ApiQuery({ name: 'entity', required: false, enum: AUDITED_ENTITIES })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        items: [
          {
            id: '42',
            actor: { keyId: '6f1c...', name: 'risk-lead' },
            action: 'definition.approve',
            entity: 'tag_definition',
            entityId: 'low_risk@2',
            before: { approvedBy: null },
            after: { approvedBy: 'risk-lead' },
            at: '2026-11-28T09:12:00Z',
          },
        ],
        nextCursor: null,
      },
    },
  })
  list(@Query() query: { entity?: string; from?: string; to?: string; limit?: string; cursor?: string }) {
    return this.audit.list(query);
  }
}
