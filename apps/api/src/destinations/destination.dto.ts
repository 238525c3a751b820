import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import { isTagId } from '@tagforge/catalog';
import {
  CHANGE_KINDS,
  EARLY_WARNING,
  MAX_BATCH_EVENTS,
  MAX_DESTINATION_COLUMNS,
  MAX_WAIT_MS,
  type ChangeKind,
} from '@tagforge/delivery';
import { DateTimeProperty } from '../http/openapi';
import { Stacked } from '../http/stacked';

const MAX_AUDIENCES = 50;
// eslint-disable-next-line no-control-regex -- control characters are what a name may not hold
const NAME = /^[^\u0000-\u001f\u007f]+$/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isAudiences = (value: unknown) =>
  value === EARLY_WARNING ||
  (Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_AUDIENCES &&
    value.every((tagId) => isTagId(tagId)) &&
    new Set(value).size === value.length);

const isBatch = (value: unknown) => {
  if (!isPlainObject(value)) return false;
  const { maxEvents, maxWaitMs, ...rest } = value;
  const intIn = (n: unknown, min: number, max: number) =>
    n === undefined || (Number.isInteger(n) && (n as number) >= min && (n as number) <= max);
  return (
    Object.keys(rest).length === 0 &&
    intIn(maxEvents, 1, MAX_BATCH_EVENTS) &&
    intIn(maxWaitMs, 0, MAX_WAIT_MS)
  );
};

const Audiences = () =>
  ValidateBy({
    name: 'audiences',
    validator: {
      validate: isAudiences,
      defaultMessage: () =>
        `audiences must be "${EARLY_WARNING}" or a list of 1-${MAX_AUDIENCES} distinct tag or segment ids`,
    },
  });

const Batch = () =>
  ValidateBy({
    name: 'batch',
    validator: {
      validate: isBatch,
      defaultMessage: () =>
        `batch must be {"maxEvents": 1-${MAX_BATCH_EVENTS}, "maxWaitMs": 0-${MAX_WAIT_MS}} (both optional)`,
    },
  });

const TagIds = () =>
  ValidateBy({
    name: 'tagIds',
    validator: {
      validate: (value: unknown) => Array.isArray(value) && value.every((tagId) => isTagId(tagId)),
      defaultMessage: () => 'columns must be tag ids',
    },
  });

// The checks a field has when created and when patched (where it is optional).
const NameRules = () =>
  Stacked(IsString(), Length(1, 128), Matches(NAME, { message: 'name must not hold control characters' }));
const UrlRules = () => Stacked(IsString(), Length(1, 2048));
const EventsRules = () =>
  Stacked(IsArray(), ArrayMinSize(1), ArrayUnique(), IsIn(CHANGE_KINDS, { each: true }));
const ColumnsRules = () => Stacked(IsArray(), ArrayMaxSize(MAX_DESTINATION_COLUMNS), ArrayUnique(), TagIds());

export class DestinationBatchDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_BATCH_EVENTS,
    default: 500,
    description: 'changes per request at most',
  })
  maxEvents?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_MS,
    default: 0,
    description: 'wait up to this long for a fuller batch (0: send at once)',
  })
  maxWaitMs?: number;
}

const AUDIENCES_SCHEMA = {
  description: `boolean tag or segment ids, or "${EARLY_WARNING}": the early-warning signals and the watchlist segment`,
  oneOf: [
    { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_AUDIENCES },
    { type: 'string', enum: [EARLY_WARNING] },
  ],
  example: ['high_intent_loan_demand'],
};

export class CreateDestinationDto {
  @ApiProperty({ example: 'loan-officer alerts', minLength: 1, maxLength: 128 })
  @NameRules()
  name!: string;

  @ApiProperty({
    example: 'https://alerts.example.com/tagforge',
    description: 'https (plain http only for DESTINATION_ALLOWED_HOSTS)',
  })
  @UrlRules()
  url!: string;

  @ApiProperty(AUDIENCES_SCHEMA as never)
  @Audiences()
  audiences!: string[] | typeof EARLY_WARNING;

  @ApiPropertyOptional({ type: [String], enum: CHANGE_KINDS, default: CHANGE_KINDS })
  @IsOptional()
  @EventsRules()
  events?: ChangeKind[];

  @ApiPropertyOptional({ type: DestinationBatchDto })
  @IsOptional()
  @Batch()
  batch?: DestinationBatchDto;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_DESTINATION_COLUMNS,
    description:
      'tag ids whose current values go with each change (tags computed from credit-bureau data need riskUse)',
  })
  @IsOptional()
  @ColumnsRules()
  columns?: string[];

  @ApiPropertyOptional({
    default: false,
    description:
      'admin keys only: the receiver may get credit-bureau facts (explanations, bureau-reading columns)',
  })
  @IsOptional()
  @IsBoolean()
  riskUse?: boolean;
}

export class UpdateDestinationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 128 })
  @IsOptional()
  @NameRules()
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @UrlRules()
  url?: string;

  @ApiPropertyOptional(AUDIENCES_SCHEMA as never)
  @IsOptional()
  @Audiences()
  audiences?: string[] | typeof EARLY_WARNING;

  @ApiPropertyOptional({ type: [String], enum: CHANGE_KINDS })
  @IsOptional()
  @EventsRules()
  events?: ChangeKind[];

  @ApiPropertyOptional({ type: DestinationBatchDto })
  @IsOptional()
  @Batch()
  batch?: DestinationBatchDto;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_DESTINATION_COLUMNS })
  @IsOptional()
  @ColumnsRules()
  columns?: string[];

  @ApiPropertyOptional({ description: 'admin keys only' })
  @IsOptional()
  @IsBoolean()
  riskUse?: boolean;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 7 * 24 * 3600,
    default: 24 * 3600,
    description: 'how long the previous secret goes on signing beside the new one',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  overlapSeconds?: number;
}

export class ReplayDto {
  @ApiProperty({
    description: 'a cursor (a delivery\'s "from", a changes-feed cursor) or an ISO 8601 instant',
    example: '2026-12-01T08:00:00Z',
  })
  @IsString()
  @Length(1, 512)
  from!: string;
}

export class DestinationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty(AUDIENCES_SCHEMA as never)
  audiences!: string[] | typeof EARLY_WARNING;

  @ApiProperty({ type: [String], enum: CHANGE_KINDS })
  events!: string[];

  @ApiProperty({ type: DestinationBatchDto })
  batch!: DestinationBatchDto;

  @ApiProperty({ type: [String] })
  columns!: string[];

  @ApiProperty()
  riskUse!: boolean;

  @ApiProperty({ enum: ['active', 'paused', 'disabled'] })
  status!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'why it is paused or disabled' })
  statusReason!: string | null;

  @ApiProperty({ description: 'where the destination stands in the history (a changes-feed cursor)' })
  cursor!: string;

  @ApiProperty({ description: 'a failed batch is waiting to be sent again (the same range and webhook-id)' })
  pendingBatch!: boolean;

  @ApiProperty()
  consecutiveFailures!: number;

  @DateTimeProperty('when the next attempt is due, while failing', true)
  nextAttemptAt!: string | null;

  @DateTimeProperty('when a batch was last answered 2xx', true)
  lastDeliveredAt!: string | null;

  @DateTimeProperty('during a secret rotation: until when the previous secret signs too', true)
  previousSecretValidUntil!: string | null;

  @ApiProperty()
  createdBy!: string;

  @DateTimeProperty('when it was created')
  createdAt!: string;

  @DateTimeProperty('when it was last changed')
  updatedAt!: string;
}

export class CreatedDestinationDto extends DestinationDto {
  @ApiProperty({
    description: 'the signing secret (Standard Webhooks, whsec_...): shown only here and on rotation',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

export class DestinationListDto {
  @ApiProperty({ type: [DestinationDto] })
  items!: DestinationDto[];
}

export class DestinationDeletedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: true })
  deleted!: boolean;
}

export class RotatedSecretDto {
  @ApiProperty({ description: 'the new signing secret: shown only here' })
  secret!: string;

  @DateTimeProperty('until when the previous secret signs too')
  previousSecretValidUntil!: string;
}

export class PingResultDto {
  @ApiProperty()
  webhookId!: string;

  @ApiProperty({ description: 'the receiver answered 2xx' })
  ok!: boolean;

  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'why there was no answer (address refused, timeout, ...)',
  })
  error!: string | null;

  @ApiProperty()
  latencyMs!: number;
}

export class DeliveryDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ description: 'the same for every attempt of one batch' })
  webhookId!: string;

  @ApiProperty({ enum: ['batch', 'ping'] })
  kind!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'the batch starts after this cursor' })
  from!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'the batch ends at this cursor' })
  to!: string | null;

  @ApiProperty()
  events!: number;

  @ApiProperty({ description: 'attempt number of this batch (1 = first)' })
  attempt!: number;

  @ApiProperty({ enum: ['delivered', 'failed', 'dead_lettered'] })
  outcome!: string;

  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  error!: string | null;

  @ApiProperty()
  latencyMs!: number;

  @DateTimeProperty('when the attempt ended')
  at!: string;
}

export class DeliveriesPageDto {
  @ApiProperty({ type: [DeliveryDto] })
  items!: DeliveryDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class DeadLetterDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  webhookId!: string;

  @ApiProperty()
  from!: string;

  @ApiProperty()
  to!: string;

  @ApiProperty()
  events!: number;

  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "the start of the receiver's answer (at most 2 KB)",
  })
  responseBody!: string | null;

  @DateTimeProperty('when it was dead-lettered')
  at!: string;
}

export class DeadLettersPageDto {
  @ApiProperty({ type: [DeadLetterDto] })
  items!: DeadLetterDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}
