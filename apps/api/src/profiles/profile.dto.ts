import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DateTimeProperty, ErrorDto } from '../http/openapi';

// The profile document's schema is the served profile.schema.json, added to the document as the
// `Profile` component (http/openapi-document.ts).
export const PROFILE_REF = '#/components/schemas/Profile';
export const PROFILE_PATCH_REF = '#/components/schemas/ProfilePatch';

export class StaleSectionDto {
  @ApiProperty({ example: 'deposits' })
  section!: string;

  @DateTimeProperty('the asOf of the stored section, which is kept')
  storedAsOf!: string;

  @DateTimeProperty('the older asOf that was sent')
  receivedAsOf!: string;
}

export class WriteOutcomeDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ description: 'the profile version after the write', example: 3 })
  version!: number;

  @ApiProperty({ description: 'false when the write changed nothing' })
  changed!: boolean;

  @ApiProperty({ type: [StaleSectionDto], description: 'sections kept as stored because they were older' })
  staleSections!: StaleSectionDto[];
}

export class ProfileViewDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ example: 3 })
  version!: number;

  @ApiProperty({ description: 'the version its tags were evaluated from', example: 3 })
  evaluatedVersion!: number;

  @DateTimeProperty('when the profile was last written')
  updatedAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', format: 'date-time' },
    description: 'the source snapshot time (asOf) of each section stored',
  })
  sectionAsOf!: Record<string, string>;

  @ApiProperty({ allOf: [{ $ref: PROFILE_REF }], description: 'the bureau section only with bureau:read' })
  profile!: Record<string, unknown>;
}

export class ErasedCountsDto {
  @ApiProperty({ example: 1 })
  profiles!: number;

  @ApiProperty({ example: 7 })
  tags!: number;

  @ApiProperty({ example: 19 })
  events!: number;

  @ApiProperty({ example: 2, description: 'campaign memberships and the outcomes recorded for them' })
  campaignRecords!: number;
}

export class ErasureDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ type: ErasedCountsDto })
  removed!: ErasedCountsDto;
}

export class BatchLineDto {
  @ApiProperty({ description: 'the line number in the body (blank lines count too)', example: 1 })
  line!: number;

  @ApiProperty({ enum: ['ok', 'error'] })
  status!: 'ok' | 'error';

  @ApiPropertyOptional({ example: 'C1' })
  customerId?: string;

  @ApiPropertyOptional({ description: 'ok: the profile version after the write' })
  version?: number;

  @ApiPropertyOptional({ description: 'ok: false when the line changed nothing' })
  changed?: boolean;

  @ApiPropertyOptional({ type: [StaleSectionDto] })
  staleSections?: StaleSectionDto[];

  @ApiPropertyOptional({ type: ErrorDto, description: 'error: why the line was refused' })
  error?: ErrorDto;
}

export class BatchReportDto {
  @ApiProperty({ description: 'lines answered (blank lines are skipped)', example: 2 })
  lines!: number;

  @ApiProperty({ example: 1 })
  ok!: number;

  @ApiProperty({ example: 1 })
  failed!: number;

  @ApiProperty({ description: 'blank lines skipped', example: 0 })
  skipped!: number;

  @ApiProperty({ type: [BatchLineDto] })
  results!: BatchLineDto[];
}
