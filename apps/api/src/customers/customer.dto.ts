import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, Matches, MaxLength } from 'class-validator';
import { TAG_ID_MAX_LENGTH, TAG_ID_PATTERN } from '@tagforge/catalog';
import { CUSTOMER_ID_PATTERN } from '@tagforge/common';
import { MAX_LOOKUP_CUSTOMERS } from '@tagforge/serving';
import { DateTimeProperty, JsonProperty, TagValueProperty } from '../http/openapi';

export const MAX_LOOKUP_TAGS = 500;

export class LookupRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_LOOKUP_CUSTOMERS,
    example: ['C0000042', 'C0000043'],
    description: 'customer ids; unknown ones are listed apart in `unknown`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LOOKUP_CUSTOMERS)
  @Matches(CUSTOMER_ID_PATTERN, {
    each: true,
    message: 'each customer id is 1-64 characters of letters, digits and _ . : -',
  })
  customerIds!: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_LOOKUP_TAGS,
    example: ['low_risk', 'do_not_market'],
    description: 'only these tags (each must be an active tag: an unknown id is a 422 naming it)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LOOKUP_TAGS)
  @MaxLength(TAG_ID_MAX_LENGTH, { each: true, message: 'a tag id has at most 64 characters' })
  @Matches(TAG_ID_PATTERN, { each: true, message: 'each tag id is snake_case' })
  tagIds?: string[];
}

export class CurrentTagDto {
  @ApiProperty({ example: 'low_risk' })
  tagId!: string;

  @TagValueProperty('true for a set boolean or segment, a string (category) or number (number tag)')
  value!: boolean | string | number | null;

  @DateTimeProperty('since when the tag has this value')
  since!: string;

  @ApiProperty({ description: 'the definition version that gave the value', example: 1 })
  tagVersion!: number;
}

export class CustomerTagsDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiPropertyOptional({ description: 'current tags: the profile version written', example: 4 })
  profileVersion?: number;

  @ApiPropertyOptional({
    description:
      'current tags: the profile version they were evaluated from (behind profileVersion while evaluation catches up)',
    example: 4,
  })
  evaluatedVersion?: number;

  @ApiPropertyOptional({ description: 'the instant answered for, when asOf was given', format: 'date-time' })
  asOf?: string;

  @ApiProperty({
    type: [CurrentTagDto],
    description: 'set booleans and valued tags; an unset boolean is absent',
  })
  tags!: CurrentTagDto[];
}

export class LookupCustomerDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ type: [CurrentTagDto] })
  tags!: CurrentTagDto[];
}

export class LookupResultDto {
  @ApiProperty({ type: [LookupCustomerDto] })
  customers!: LookupCustomerDto[];

  @ApiProperty({ type: [String], description: 'requested customer ids without a profile' })
  unknown!: string[];
}

export class CustomerSegmentDto {
  @ApiProperty({ example: 'low_risk_customers' })
  segmentId!: string;

  @DateTimeProperty('since when the customer is in it')
  since!: string;

  @ApiProperty({ example: 1 })
  segmentVersion!: number;
}

export class CustomerSegmentsDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ type: [CustomerSegmentDto] })
  segments!: CustomerSegmentDto[];
}

export class HistoryItemDto {
  @ApiProperty({ example: '91234' })
  seq!: string;

  @ApiProperty({ example: 'low_risk' })
  tagId!: string;

  @TagValueProperty('the value before (null: unset)')
  oldValue!: boolean | string | number | null;

  @TagValueProperty('the value after (null: unset)')
  newValue!: boolean | string | number | null;

  @ApiProperty({ example: 1 })
  tagVersion!: number;

  @ApiProperty({ description: 'the profile version evaluated', example: '4' })
  profileVersion!: string;

  @ApiProperty({
    description: 'what caused it: profile, definition, schedule, reconcile, erasure',
    example: 'profile',
  })
  cause!: string;

  @ApiProperty({ type: 'string', nullable: true, format: 'uuid' })
  runId!: string | null;

  @DateTimeProperty('when it changed')
  at!: string;
}

export class HistoryPageDto {
  @ApiProperty({ type: [HistoryItemDto] })
  items!: HistoryItemDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class TraceNodeDto {
  @ApiProperty({ description: 'RFC 6901 pointer to the node in the rule', example: '/and/1' })
  pointer!: string;

  @ApiProperty({ description: "the operator, '[]' for an array of rules", example: '>=' })
  op!: string;

  @ApiProperty({ type: 'array', items: { $ref: '#/components/schemas/JsonValue' } })
  inputs!: unknown[];

  @JsonProperty('the node value')
  value!: unknown;

  @ApiProperty({ type: () => [TraceNodeDto] })
  children!: TraceNodeDto[];

  @ApiPropertyOptional({ description: 'var / missing: the path read' })
  path?: string;

  @ApiPropertyOptional({ description: 'inside some/all/...: the array element' })
  element?: number;

  @ApiPropertyOptional()
  error?: string;
}

export class ReasonTextDto {
  @ApiProperty({ example: 'Card used close to its limit' })
  en!: string;

  @ApiProperty({ example: '信用卡额度使用率高' })
  zh!: string;
}

export class CharacteristicScoreDto {
  @ApiProperty({ example: 'utilisation' })
  name!: string;

  @ApiProperty({ description: 'the profile path or tags.<id> it reads', example: 'cards.0.utilization' })
  var!: string;

  @JsonProperty('the value read (‹redacted› when the reader may not see it)')
  value!: unknown;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'the bin it fell in, -1 for missing; null when withheld',
  })
  bin!: number | null;

  @ApiProperty({ description: 'the bin in words ("30 <= x < 60", "missing"), or ‹redacted›' })
  label!: string;

  @ApiProperty({ type: 'number', nullable: true, description: 'points scored; null when withheld' })
  points!: number | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'best points possible; null when withheld' })
  maxPoints!: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  reasonCode!: string | null;
}

export class ScorecardReasonDto {
  @ApiProperty({ example: 'UTIL' })
  code!: string;

  @ApiProperty({ example: 'utilisation' })
  characteristic!: string;

  @ApiProperty({
    type: 'number',
    nullable: true,
    description: 'points lost against the best bin; null when withheld',
  })
  pointsBelowMax!: number | null;

  @ApiProperty({
    type: ReasonTextDto,
    nullable: true,
    description: 'the reason in words (reasonCodes.texts)',
  })
  text!: ReasonTextDto | null;
}

export class ScorecardExplanationDto {
  @ApiProperty({ example: 612 })
  score!: number;

  @ApiProperty({ example: 480 })
  baseScore!: number;

  @ApiProperty({ type: [CharacteristicScoreDto] })
  characteristics!: CharacteristicScoreDto[];

  @ApiProperty({
    type: [ScorecardReasonDto],
    description: 'the top reason codes, worst first (the adverse-action reasons)',
  })
  reasons!: ScorecardReasonDto[];
}

export class TagExplanationDto {
  @ApiPropertyOptional({ description: 'the explained customer (top level only)', example: 'C0000042' })
  customerId?: string;

  @ApiPropertyOptional({ description: 'the profile version explained (top level only)', example: 4 })
  profileVersion?: number;

  @ApiProperty({ example: 'instant_approval_offer' })
  tagId!: string;

  @ApiProperty({ enum: ['boolean', 'category', 'number', 'segment'] })
  kind!: string;

  @ApiProperty({ enum: ['marketing', 'risk', 'service'] })
  purpose!: string;

  @ApiProperty({ example: 1 })
  definitionVersion!: number;

  @TagValueProperty('the stored value (false for an unset boolean)')
  value!: boolean | string | number | null;

  @ApiPropertyOptional({
    ...({ oneOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'number' }] } as object),
    nullable: true,
    description: 'the value the rule gives now',
  })
  evaluatedValue?: boolean | string | number | null;

  @ApiPropertyOptional({ description: 'stored and evaluated values agree' })
  agrees?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/JsonValue' },
    description: 'the profile values read, by path',
  })
  reads?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'a short technical account of the rule, operator by operator' })
  account?: string;

  @ApiPropertyOptional({ type: () => TraceNodeDto })
  trace?: TraceNodeDto;

  @ApiPropertyOptional({
    type: ScorecardExplanationDto,
    description: "a scorecard tag: each characteristic's points and the top reasons",
  })
  scorecard?: ScorecardExplanationDto;

  @ApiPropertyOptional({ type: () => [TagExplanationDto], description: 'the tags the rule reads, explained' })
  components?: TagExplanationDto[];

  @ApiPropertyOptional({ description: 'why this part is not shown (purpose rules)' })
  redacted?: string;
}
