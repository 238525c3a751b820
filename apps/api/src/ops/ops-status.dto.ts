import { ApiProperty } from '@nestjs/swagger';
import { DateTimeProperty } from '../http/openapi';

export class EvaluationLagDto {
  @ApiProperty({
    description: 'profiles written and not yet evaluated (counted up to pendingCap)',
    example: 12,
  })
  pending!: number;

  @ApiProperty({
    description: 'pending is counted up to this many; more reads as this many',
    example: 100000,
  })
  pendingCap!: number;

  @DateTimeProperty('when the oldest of them was written; null when none is pending', true)
  oldestPendingAt!: string | null;

  @ApiProperty({
    description: 'seconds since that write: how far tags are behind profiles (0 when none is pending)',
    example: 1.4,
  })
  lagSeconds!: number;
}

export class QueueDepthDto {
  @ApiProperty({ description: 'jobs waiting for a worker', example: 3 })
  waiting!: number;

  @ApiProperty({ description: 'jobs a worker is on', example: 1 })
  active!: number;

  @ApiProperty({ description: 'jobs waiting for a retry or a delay', example: 0 })
  delayed!: number;

  @ApiProperty({ description: 'jobs that failed every attempt (kept briefly)', example: 0 })
  failed!: number;
}

export class QueuesDto {
  @ApiProperty({ type: QueueDepthDto, description: 'per-customer evaluations after profile writes' })
  evaluation!: QueueDepthDto;

  @ApiProperty({ type: QueueDepthDto, description: 'backfills, recomputes and sandbox runs (chunks)' })
  runs!: QueueDepthDto;

  @ApiProperty({ type: QueueDepthDto, description: 'reconciler and schedules' })
  maintenance!: QueueDepthDto;

  @ApiProperty({ type: QueueDepthDto, description: 'webhook deliveries, one job per destination due' })
  delivery!: QueueDepthDto;
}

export class RunCountsDto {
  @ApiProperty({ example: 0 })
  queued!: number;

  @ApiProperty({ example: 1 })
  running!: number;
}

export class OpsStatusDto {
  @ApiProperty({ format: 'date-time', description: 'when this status was read' })
  at!: string;

  @ApiProperty({ type: EvaluationLagDto })
  evaluation!: EvaluationLagDto;

  @ApiProperty({
    type: QueuesDto,
    nullable: true,
    description: 'null while Redis is unreachable (profile writes still commit; the reconciler catches up)',
  })
  queues!: QueuesDto | null;

  @ApiProperty({
    type: RunCountsDto,
    description: 'runs not finished (GET /v1/runs lists them with progress)',
  })
  runs!: RunCountsDto;
}
