import type { PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import {
  MAX_BIN_EDGES,
  MAX_OVERLAP_AUDIENCES,
  MAX_QUANTILES,
  MAX_SAMPLE,
  parseAudienceText,
  parseEdges,
  type AudienceText,
  type BinsRequest,
} from '@tagforge/insights';
import { parseNow } from '@tagforge/rules';
import { DateTimeProperty, JsonProperty } from '../http/openapi';
import { Stacked } from '../http/stacked';
import { assertTagId } from '../http/params';

const AUDIENCE_TEXT =
  'a segment or boolean tag by id (high_intent_loan_demand), a category tag by value (risk_grade=A), a number tag within inclusive bounds (credit_risk_score=600..700, either side open)';
const AUDIENCE_MAX_LENGTH = 300;

// ---- requests

// An optional past instant in a body (checked by bodyInstant when used).
const AsOfProperty = (description: string) =>
  Stacked(ApiPropertyOptional({ format: 'date-time', description }), IsOptional(), IsString());
// A JSON Logic rule in a body (validated as a segment rule by the service).
const RuleProperty = (description: string, example: unknown) =>
  Stacked(JsonProperty(description, { example }), IsDefined(), Allow());

export class OverlapRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_OVERLAP_AUDIENCES,
    maxLength: AUDIENCE_MAX_LENGTH,
    example: ['high_intent_loan_demand', 'low_risk_customers', 'do_not_market', 'risk_grade=A'],
    description: `1 to ${MAX_OVERLAP_AUDIENCES} audiences: ${AUDIENCE_TEXT}`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OVERLAP_AUDIENCES)
  @IsString({ each: true })
  @MaxLength(AUDIENCE_MAX_LENGTH, { each: true })
  audiences!: string[];

  @AsOfProperty('the overlap at that past instant (from history)')
  asOf?: string;
}

export class CountRequestDto {
  @RuleProperty(
    'JSON Logic over tags only ({"var": "tags.<id>"}), validated like a segment rule; absent boolean tags read false, other absent tags null',
    { and: [{ var: 'tags.high_intent' }, { var: 'tags.low_risk' }, { '!': { var: 'tags.do_not_market' } }] },
  )
  rule!: unknown;

  @AsOfProperty('the audience at that past instant (from history)')
  asOf?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_SAMPLE,
    example: 10,
    description: 'how many members to list (the first by customer id); 10 by default',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SAMPLE)
  sample?: number;
}

export class ExportRequestDto {
  @RuleProperty('JSON Logic over tags only, as for /v1/insights/count', {
    and: [{ var: 'tags.high_intent' }, { '!': { var: 'tags.do_not_market' } }],
  })
  rule!: unknown;

  @AsOfProperty('the members at that past instant (from history)')
  asOf?: string;

  @ApiPropertyOptional({
    enum: ['csv', 'ndjson'],
    description: 'the format; without it, the Accept header (text/csv or application/x-ndjson), else NDJSON',
  })
  @IsOptional()
  @IsIn(['csv', 'ndjson'])
  format?: 'csv' | 'ndjson';
}

// ---- responses

export class SizePointDto {
  @DateTimeProperty('the interval begins after this instant')
  start!: string;

  @DateTimeProperty('the interval ends at this instant (inclusive): size is the membership asOf it')
  end!: string;

  @ApiProperty({ description: 'members at the end of the interval', example: 3740 })
  size!: number;

  @ApiProperty({ description: 'customers who entered during the interval', example: 120 })
  entered!: number;

  @ApiProperty({ description: 'customers who exited during the interval', example: 85 })
  exited!: number;

  @ApiProperty({ description: 'false for the interval still running (its size is the current one)' })
  complete!: boolean;
}

export class SizesDto {
  @ApiProperty({ example: 'high_intent_loan_demand' })
  id!: string;

  @ApiProperty({ enum: ['boolean', 'category', 'number', 'segment'] })
  kind!: string;

  @ApiPropertyOptional({ example: 'A' })
  value?: string;

  @ApiPropertyOptional()
  min?: number;

  @ApiPropertyOptional()
  max?: number;

  @ApiProperty({ enum: ['day', 'week', 'month'] })
  interval!: string;

  @DateTimeProperty('start of the first interval')
  from!: string;

  @DateTimeProperty('end of the last interval')
  to!: string;

  @ApiProperty({
    description:
      'how far the rollup lags the history: 0, it is written in the same transaction as every history row',
    example: 0,
  })
  lagSeconds!: number;

  @ApiProperty({ type: [SizePointDto] })
  points!: SizePointDto[];
}

export class SizesListDto {
  @ApiProperty({ type: [SizesDto], description: 'one series per id, in the order asked' })
  items!: SizesDto[];
}

const MATRIX = { type: 'array', items: { type: 'array', items: { type: 'number' } } } as const;

export class AudienceEchoDto {
  @ApiProperty({ example: 'risk_grade' })
  id!: string;

  @ApiProperty({ example: 'risk_grade=A' })
  label!: string;

  @ApiProperty({ enum: ['boolean', 'category', 'number', 'segment'] })
  kind!: string;

  @ApiPropertyOptional({ example: 'A' })
  value?: string;

  @ApiPropertyOptional()
  min?: number;

  @ApiPropertyOptional()
  max?: number;

  @ApiProperty({ description: 'members (now, or at asOf)', example: 3740 })
  size!: number;
}

export class OverlapDto {
  @ApiPropertyOptional({ format: 'date-time' })
  asOf?: string;

  @ApiProperty({ type: [AudienceEchoDto], description: 'in the order asked' })
  audiences!: AudienceEchoDto[];

  @ApiProperty({
    ...MATRIX,
    description: 'intersections[i][j]: customers in audiences i and j (the diagonal: each size)',
  })
  intersections!: number[][];

  @ApiProperty({ ...MATRIX, description: 'Jaccard index |i ∩ j| / |i ∪ j| (0 where both are empty)' })
  jaccard!: number[][];

  @ApiProperty({ description: 'customers in at least one audience' })
  union!: number;
}

export class CountDto {
  @ApiPropertyOptional({ format: 'date-time' })
  asOf?: string;

  @ApiProperty({
    type: [String],
    description: 'the tags the rule reads',
    example: ['do_not_market', 'high_intent'],
  })
  tags!: string[];

  @ApiProperty({ description: 'customers the rule selects', example: 1830 })
  size!: number;

  @ApiProperty({ description: 'customers with a profile (at asOf)', example: 100000 })
  population!: number;

  @ApiProperty({ description: 'size / population', example: 0.0183 })
  share!: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    description:
      "distinct combinations of the tags' values the rule was evaluated on; null when it was counted as set algebra over boolean tags in SQL",
  })
  combinations!: number | null;

  @ApiProperty({ type: [String], description: 'the first members by customer id', example: ['C0000042'] })
  sample!: string[];
}

export class BreakdownRowDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'the category value or bin label; null for customers without a value',
  })
  key!: string | null;

  @ApiProperty({ example: 'tier_1' })
  label!: string;

  @ApiProperty({ description: 'audience members with this value' })
  audience!: number;

  @ApiProperty({ description: 'their share of the audience' })
  audienceShare!: number;

  @ApiProperty({ description: 'customers of the whole population with this value' })
  population!: number;

  @ApiProperty({ description: 'their share of the population' })
  populationShare!: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    description: 'target group index: audienceShare / populationShare × 100 (100: like everyone)',
  })
  tgi!: number | null;
}

export class BreakdownByDto {
  @ApiProperty({ example: 'city_tier' })
  id!: string;

  @ApiProperty({ enum: ['category', 'number'] })
  kind!: string;

  @ApiPropertyOptional({ type: [Number], description: 'a number tag: the bin edges used' })
  edges?: number[];
}

export class BreakdownDto {
  @ApiProperty({ type: AudienceEchoDto })
  audience!: AudienceEchoDto;

  @ApiProperty({ type: BreakdownByDto })
  by!: BreakdownByDto;

  @ApiProperty({ description: 'customers with a profile' })
  population!: number;

  @ApiProperty({ type: [BreakdownRowDto] })
  rows!: BreakdownRowDto[];
}

export class DistributionSideDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'the instant (absent: now)' })
  asOf?: string;

  @ApiProperty({ description: 'customers with a profile' })
  population!: number;

  @ApiProperty({ description: 'customers with a value' })
  covered!: number;

  @ApiProperty({ description: 'covered / population' })
  coverage!: number;

  @ApiProperty({ type: [Number], description: 'holders per label' })
  counts!: number[];

  @ApiProperty({ type: [Number], description: 'their shares of the covered customers' })
  shares!: number[];
}

export class DriftDto {
  @ApiProperty({ description: 'population stability index of the current side against compare' })
  psi!: number;

  @ApiProperty({ enum: ['stable', 'moderate shift', 'major shift'], description: '< 0.1, 0.1–0.25, > 0.25' })
  band!: string;
}

export class DistributionDto {
  @ApiProperty({ example: 'credit_risk_score' })
  id!: string;

  @ApiProperty({ enum: ['boolean', 'category', 'number', 'segment'] })
  kind!: string;

  @ApiPropertyOptional({ type: [Number], description: 'a number tag: the bin edges' })
  edges?: number[];

  @ApiProperty({ type: [String], description: 'category values, or bin labels ([a, b) intervals)' })
  labels!: string[];

  @ApiProperty({ type: DistributionSideDto, description: 'now, or at asOf' })
  current!: DistributionSideDto;

  @ApiPropertyOptional({ type: DistributionSideDto, description: 'at compare' })
  compare?: DistributionSideDto;

  @ApiPropertyOptional({ type: DriftDto })
  psi?: DriftDto;
}

// ---- pipes

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new TagforgeException(ErrorCode.BadRequest, `${name} is given more than once`);
  }
  return value;
}

// An audience in text form (?audience=risk_grade=A, overlap lists).
export function parseAudience(text: string, name: string): AudienceText {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (text.length === 0 || text.length > AUDIENCE_MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) {
    throw new TagforgeException(
      ErrorCode.BadRequest,
      `${name} is 1-${AUDIENCE_MAX_LENGTH} characters without control characters`,
    );
  }
  const parsed = parseAudienceText(text);
  if ('problem' in parsed) throw new TagforgeException(ErrorCode.BadRequest, `${name}: ${parsed.problem}`);
  assertTagId(parsed.id, `${name}'s tag id`);
  return parsed;
}

export class AudiencePipe implements PipeTransform<unknown, AudienceText> {
  constructor(private readonly name: string) {}

  transform(value: unknown): AudienceText {
    const text = single(value, this.name);
    if (text === undefined)
      throw new TagforgeException(ErrorCode.BadRequest, `${this.name} is required: ${AUDIENCE_TEXT}`);
    return parseAudience(text, this.name);
  }
}

// ?ids=high_intent_loan_demand,low_risk_customers — tag ids separated by commas, each once.
export class TagIdListPipe implements PipeTransform<unknown, string[]> {
  constructor(
    private readonly name: string,
    private readonly max: number,
  ) {}

  transform(value: unknown): string[] {
    const text = single(value, this.name);
    if (text === undefined || text === '') {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${this.name} is required: 1 to ${this.max} segment or boolean tag ids separated by commas`,
      );
    }
    const ids = text.split(',');
    if (ids.length > this.max) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${this.name}: at most ${this.max} ids (${ids.length} given)`,
      );
    }
    return ids.map((id, i) => assertTagId(id, `${this.name}[${i}]`));
  }
}

export class RequiredTagIdPipe implements PipeTransform<unknown, string> {
  constructor(private readonly name: string) {}

  transform(value: unknown): string {
    const text = single(value, this.name);
    if (text === undefined)
      throw new TagforgeException(ErrorCode.BadRequest, `${this.name} is required: a tag id`);
    return assertTagId(text, this.name);
  }
}

// ?bins=580,650,700 (fixed edges) or ?quantiles=10, not both; neither: deciles for a number tag.
export function binsOf(bins: unknown, quantiles: unknown): BinsRequest {
  const edgesText = single(bins, 'bins');
  const quantilesText = single(quantiles, 'quantiles');
  if (edgesText !== undefined && quantilesText !== undefined) {
    throw new TagforgeException(ErrorCode.BadRequest, 'give bins or quantiles, not both');
  }
  if (edgesText !== undefined) {
    const parsed = parseEdges(edgesText);
    if ('problem' in parsed) throw new TagforgeException(ErrorCode.BadRequest, `bins: ${parsed.problem}`);
    return parsed;
  }
  if (quantilesText !== undefined) {
    if (
      !/^[1-9][0-9]?$/.test(quantilesText) ||
      Number(quantilesText) < 2 ||
      Number(quantilesText) > MAX_QUANTILES
    ) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `quantiles is a whole number from 2 to ${MAX_QUANTILES}`,
      );
    }
    return { quantiles: Number(quantilesText) };
  }
  return null;
}

export const BINS_DESCRIPTION = `a number tag: up to ${MAX_BIN_EDGES} increasing edges, e.g. 580,650,700 (bins below 580, [580, 650), [650, 700), 700 and above)`;

// An instant in a body (asOf): ISO 8601, not in the future.
export function bodyInstant(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  let instant: Date;
  try {
    instant = new Date(parseNow(value));
  } catch {
    throw new TagforgeException(
      ErrorCode.BadRequest,
      `${name} must be an ISO 8601 instant, e.g. 2026-11-28T08:00:00Z`,
    );
  }
  if (instant.getTime() > Date.now()) {
    throw new TagforgeException(ErrorCode.BadRequest, `${name} ${instant.toISOString()} is in the future`);
  }
  if (instant.getUTCFullYear() < 1970)
    throw new TagforgeException(ErrorCode.BadRequest, `${name} must lie after 1970`);
  return instant;
}
