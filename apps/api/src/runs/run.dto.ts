import { ApiProperty } from '@nestjs/swagger';
import { Equals } from 'class-validator';
import { DateTimeProperty } from '../http/openapi';

export class RecomputeRequestDto {
  @ApiProperty({
    enum: ['recompute'],
    description: 'a full recompute of every active tag for every customer',
  })
  @Equals('recompute', { message: 'kind must be "recompute"' })
  kind!: 'recompute';
}

export class RunStartedDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({ example: 'queued' })
  status!: string;
}

export class RunProgressDto {
  @ApiProperty({ description: 'customers the run covers' })
  total!: number;

  @ApiProperty({ description: 'customers done' })
  done!: number;

  @ApiProperty({ minimum: 0, maximum: 100 })
  percent!: number;
}

export class RunViewDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    description: 'activation, retirement, recompute, schedule, sandbox, rollback',
    example: 'activation',
  })
  kind!: string;

  @ApiProperty({ description: 'queued, running, succeeded, failed, cancelled', example: 'running' })
  status!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'what the run evaluates (tags, ...)',
  })
  scope!: Record<string, unknown>;

  @ApiProperty({ type: RunProgressDto })
  progress!: RunProgressDto;

  @ApiProperty({ description: 'customers whose tags changed' })
  changed!: number;

  @ApiProperty({ description: 'customers that could not be evaluated' })
  failed!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'rule errors by tag: count and an example',
  })
  ruleErrors!: Record<string, unknown>;

  @ApiProperty({ type: 'string', nullable: true })
  createdBy!: string | null;

  @DateTimeProperty('when the run was created')
  createdAt!: string;

  @DateTimeProperty('when it started', true)
  startedAt!: string | null;

  @DateTimeProperty('when it finished', true)
  finishedAt!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  error!: string | null;
}

export class RunsPageDto {
  @ApiProperty({ type: [RunViewDto] })
  items!: RunViewDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class RunCancelledDto extends RunViewDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    format: 'uuid',
    description: 'the run putting back what a cancelled activation or retirement changed',
  })
  rollbackRunId!: string | null;
}
