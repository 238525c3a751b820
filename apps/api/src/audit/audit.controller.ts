import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AUDITED_ENTITIES, type AuditedEntity } from '@tagforge/persistence';
import { AUDIT_CURSOR, AuditViewService, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from '@tagforge/serving';
import { RequireScope } from '../auth/require-scope.decorator';
import { DateTimeProperty, OptionalJsonProperty, PAGING_PROBLEMS, Refuses } from '../http/openapi';
import { CursorPipe, InstantPipe, LimitPipe, OneOfPipe } from '../http/params';

class AuditActorDto {
  @ApiProperty({ type: 'string', nullable: true, format: 'uuid', description: 'null for the service itself' })
  keyId!: string | null;

  @ApiProperty({ example: 'risk-lead' })
  name!: string;
}

class AuditEntryDto {
  @ApiProperty({ example: '42' })
  id!: string;

  @ApiProperty({ type: AuditActorDto })
  actor!: AuditActorDto;

  @ApiProperty({ example: 'definition.approve' })
  action!: string;

  @ApiProperty({ enum: AUDITED_ENTITIES })
  entity!: string;

  @ApiProperty({ example: 'low_risk@2' })
  entityId!: string;

  @OptionalJsonProperty('the state before')
  before?: unknown;

  @OptionalJsonProperty('the state after')
  after?: unknown;

  @DateTimeProperty('when it happened')
  at!: string;
}

class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items!: AuditEntryDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

@ApiTags('audit')
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
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    example: DEFAULT_AUDIT_PAGE,
    description: `1 to ${MAX_AUDIT_PAGE}`,
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: AuditPageDto })
  @Refuses.badRequest(`an unknown entity, from/to not ISO 8601 instants, ${PAGING_PROBLEMS}`)
  list(
    @Query('entity', new OneOfPipe('entity', AUDITED_ENTITIES)) entity: AuditedEntity | undefined,
    @Query('from', new InstantPipe('from')) from: Date | undefined,
    @Query('to', new InstantPipe('to')) to: Date | undefined,
    @Query('limit', new LimitPipe(DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(AUDIT_CURSOR)) beforeId: string | undefined,
  ) {
    return this.audit.list({ entity, from, to, beforeId, limit });
  }
}
