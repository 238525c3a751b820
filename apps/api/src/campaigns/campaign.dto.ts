import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNumber, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { TAG_ID_MAX_LENGTH, TAG_ID_PATTERN } from '@tagforge/catalog';
import { CUSTOMER_ID_PATTERN } from '@tagforge/common';
import { MAX_HOLDOUT_PERCENT, OUTCOMES } from '@tagforge/campaigns';
import { CHANNELS, type Channel } from '@tagforge/serving';
import { DateTimeProperty, TagValueProperty } from '../http/openapi';

// A segment or boolean tag id, or "*" for everyone with a profile.
const AUDIENCE = new RegExp(`^(\\*|${TAG_ID_PATTERN.source.replace(/^\^|\$$/g, '')})$`);

export class CreateCampaignDto {
  @ApiProperty({ example: 'loan-push-2026-12', description: '1-64 letters, digits and _ . : -' })
  @IsString({ message: 'id must be a string' })
  @Matches(CUSTOMER_ID_PATTERN, { message: 'id must be 1-64 characters of letters, digits and _ . : -' })
  id!: string;

  @ApiProperty({ example: 'December instant-approval push' })
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(200, { message: 'name must be at most 200 characters' })
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'name must not hold control characters' })
  name!: string;

  @ApiProperty({
    example: 'instant_approval_offer',
    description: 'an active segment or boolean tag, or "*" for every customer with a profile',
  })
  @IsString({ message: 'audience must be a string' })
  @MaxLength(TAG_ID_MAX_LENGTH, { message: `audience must be at most ${TAG_ID_MAX_LENGTH} characters` })
  @Matches(AUDIENCE, { message: 'audience must be a segment or boolean tag id, or "*"' })
  audience!: string;

  @ApiProperty({ enum: CHANNELS, example: 'app' })
  @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel!: Channel;

  @ApiProperty({
    minimum: 0,
    maximum: MAX_HOLDOUT_PERCENT,
    example: 10,
    description: 'the share held out as the control group, in percent (two decimals at most; 0: no control)',
  })
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: 'holdoutPercent must be a number with at most two decimals' },
  )
  @Min(0, { message: 'holdoutPercent must be at least 0' })
  @Max(MAX_HOLDOUT_PERCENT, { message: `holdoutPercent must be at most ${MAX_HOLDOUT_PERCENT}` })
  holdoutPercent!: number;
}

export class CampaignGroupsDto {
  @ApiProperty({ example: 180000 })
  target!: number;

  @ApiProperty({ example: 20000 })
  control!: number;
}

export class CampaignDto {
  @ApiProperty({ example: 'loan-push-2026-12' })
  id!: string;

  @ApiProperty({ example: 'December instant-approval push' })
  name!: string;

  @ApiProperty({ example: 'instant_approval_offer' })
  audience!: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'the audience version active at the freeze' })
  audienceVersion!: number | null;

  @ApiProperty({ enum: CHANNELS })
  channel!: string;

  @ApiProperty({ example: 10 })
  holdoutPercent!: number;

  @DateTimeProperty('the instant the audience was frozen at')
  frozenAt!: string;

  @ApiProperty({ example: 200000 })
  members!: number;

  @ApiProperty({ type: CampaignGroupsDto })
  groups!: CampaignGroupsDto;

  @ApiProperty({ description: 'the name of the key that created it' })
  createdBy!: string;

  @DateTimeProperty('when it was created')
  createdAt!: string;
}

export class CampaignListDto {
  @ApiProperty({ type: [CampaignDto] })
  items!: CampaignDto[];

  @ApiProperty({ type: 'string', nullable: true, description: 'pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class CampaignMemberDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ enum: ['target', 'control'] })
  group!: string;
}

export class CampaignMembersPageDto {
  @ApiProperty({ type: [CampaignMemberDto] })
  items!: CampaignMemberDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class OutcomeLineResultDto {
  @ApiProperty({ example: 1 })
  line!: number;

  @ApiProperty({ enum: ['ok', 'error'] })
  status!: string;

  @ApiPropertyOptional({ example: 'C0000042' })
  customerId?: string;

  @ApiPropertyOptional({ enum: OUTCOMES })
  outcome?: string;

  @ApiPropertyOptional({ enum: ['target', 'control'] })
  group?: string;

  @ApiPropertyOptional({
    enum: ['created', 'updated', 'unchanged', 'superseded'],
    description: 'new, corrected (another at or amount), the same again, or overtaken by a later line',
  })
  recorded?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { code: 'NOT_FOUND', message: 'line 2: C9 is not a member of campaign loan-push-2026-12' },
  })
  error?: Record<string, unknown>;
}

export class OutcomeBatchReportDto {
  @ApiProperty({ description: 'lines answered (blank lines are skipped)' })
  lines!: number;

  @ApiProperty()
  ok!: number;

  @ApiProperty()
  failed!: number;

  @ApiProperty()
  skipped!: number;

  @ApiProperty({ type: [OutcomeLineResultDto] })
  results!: OutcomeLineResultDto[];
}

export class IntervalDto {
  @ApiProperty({ example: 0.1152 })
  low!: number;

  @ApiProperty({ example: 0.1268 })
  high!: number;
}

export class RateDto {
  @ApiProperty({ description: 'members with the outcome', example: 2170 })
  count!: number;

  @ApiProperty({ type: 'number', nullable: true, description: 'count / members', example: 0.1206 })
  rate!: number | null;

  @ApiProperty({ type: IntervalDto, nullable: true, description: 'Wilson 95 % interval of the rate' })
  interval!: IntervalDto | null;
}

export class ComparisonDto {
  @ApiProperty({ type: 'number', nullable: true, description: 'rate minus the other rate (absolute lift)' })
  difference!: number | null;

  @ApiProperty({
    type: IntervalDto,
    nullable: true,
    description: "Newcombe's 95 % interval of the difference",
  })
  differenceInterval!: IntervalDto | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'rate ÷ the other rate − 1 (relative lift)' })
  relativeLift!: number | null;

  @ApiProperty({ type: IntervalDto, nullable: true, description: '95 % interval by the log method' })
  relativeLiftInterval!: IntervalDto | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'two-proportion z statistic (pooled)' })
  z!: number | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'two-sided p-value of the z-test' })
  pValue!: number | null;
}

export class OutcomeRatesDto {
  @ApiProperty({ type: RateDto })
  contacted!: RateDto;

  @ApiProperty({ type: RateDto })
  responded!: RateDto;

  @ApiProperty({ type: RateDto })
  converted!: RateDto;

  @ApiProperty({ type: RateDto })
  complained!: RateDto;

  @ApiProperty({ type: RateDto })
  defaulted!: RateDto;
}

export class OutcomeLiftDto {
  @ApiProperty({ type: ComparisonDto })
  contacted!: ComparisonDto;

  @ApiProperty({ type: ComparisonDto })
  responded!: ComparisonDto;

  @ApiProperty({ type: ComparisonDto })
  converted!: ComparisonDto;

  @ApiProperty({ type: ComparisonDto })
  complained!: ComparisonDto;

  @ApiProperty({ type: ComparisonDto })
  defaulted!: ComparisonDto;
}

export class GroupReportDto {
  @ApiProperty({ enum: ['target', 'control'] })
  group!: string;

  @ApiProperty()
  members!: number;

  @ApiProperty({ type: OutcomeRatesDto })
  outcomes!: OutcomeRatesDto;
}

export class ReportSliceDto {
  @ApiProperty({ type: [GroupReportDto] })
  groups!: GroupReportDto[];

  @ApiProperty({ type: OutcomeLiftDto, description: 'target against control, per outcome' })
  lift!: OutcomeLiftDto;
}

export class ValueSliceDto extends ReportSliceDto {
  @TagValueProperty("the by tag's value at the freeze (null: none)")
  value!: unknown;
}

export class ReportByDto {
  @ApiProperty({ example: 'city_tier' })
  tagId!: string;

  @DateTimeProperty("the instant the tag's values are taken at: the campaign's freeze")
  valuesAsOf!: string;
}

export class CampaignReportDto {
  @ApiProperty({ example: 'loan-push-2026-12' })
  campaignId!: string;

  @DateTimeProperty('the instant the audience was frozen at')
  frozenAt!: string;

  @ApiProperty({ example: 10 })
  holdoutPercent!: number;

  @ApiPropertyOptional({ type: ReportByDto })
  by?: ReportByDto;

  @ApiProperty({ type: ReportSliceDto, description: 'the whole campaign' })
  total!: ReportSliceDto;

  @ApiPropertyOptional({
    type: [ValueSliceDto],
    description: 'with by: one slice per value, most members first, no value last',
  })
  values?: ValueSliceDto[];
}

export class ComparedGroupDto {
  @ApiProperty({ enum: ['audience', 'rest'] })
  group!: string;

  @ApiProperty()
  customers!: number;

  @ApiProperty({ type: RateDto, description: 'customers carrying the outcome tag' })
  outcome!: RateDto;
}

export class OutcomeComparisonDto {
  @ApiProperty({ example: 'high_intent_loan_demand' })
  audience!: string;

  @ApiProperty({ example: 'campaign_responder' })
  outcome!: string;

  @ApiProperty({ description: 'customers with a profile' })
  population!: number;

  @ApiProperty({ type: [ComparedGroupDto] })
  groups!: ComparedGroupDto[];

  @ApiProperty({ type: ComparisonDto, description: 'the audience against the rest of the population' })
  comparison!: ComparisonDto;
}
