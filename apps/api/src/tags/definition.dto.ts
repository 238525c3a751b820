import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  TAG_CATEGORIES,
  TAG_ID_MAX_LENGTH,
  TAG_ID_PATTERN,
  TAG_KINDS,
  TAG_PURPOSES,
} from '@tagforge/catalog';
import { DateTimeProperty, JSON_VALUE_REF, JsonProperty, OptionalJsonProperty } from '../http/openapi';

// A definition in the file format (tag-definitions/definition.schema.json). The catalog validates
// what is sent and answers each problem with its JSON pointer, so the API hands it on as it came.

export class TagExampleDto {
  @ApiProperty({ example: 'score 760, no overdue' })
  name!: string;

  @ApiProperty({ allOf: [{ $ref: '#/components/schemas/Profile' }], description: 'a profile document' })
  profile!: Record<string, unknown>;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'the evaluation instant (2026-01-01T00:00:00Z by default)',
  })
  now?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      oneOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'number' }],
      nullable: true,
    },
    description: 'fixed values for tags the definition reads',
  })
  tags?: Record<string, unknown>;

  @JsonProperty('the expected value: true/false, a string or null, a number or null')
  expect!: unknown;
}

export class TagDefinitionDto {
  @ApiPropertyOptional({ description: 'lets editors validate the file' })
  $schema?: string;

  @ApiProperty({ pattern: TAG_ID_PATTERN.source, maxLength: TAG_ID_MAX_LENGTH, example: 'salary_stopped' })
  id!: string;

  @ApiProperty({ minLength: 1, maxLength: 80, example: 'Salary stopped' })
  name!: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 40, example: '工资停发' })
  nameZh?: string;

  @ApiProperty({ enum: TAG_KINDS })
  kind!: string;

  @ApiProperty({ enum: TAG_PURPOSES })
  purpose!: string;

  @ApiProperty({ enum: TAG_CATEGORIES })
  category!: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  description?: string;

  @ApiPropertyOptional({ maxLength: 120 })
  owner?: string;

  @JsonProperty('the JSON Logic rule', {
    example: {
      and: [
        { '==': [{ var: 'income.payrollAtBank' }, true] },
        { '>': [{ days_since: { var: 'income.lastSalaryDate' } }, 45] },
      ],
    },
  })
  rule!: unknown;

  @ApiPropertyOptional({ type: [TagExampleDto], description: 'unit tests of the definition' })
  examples?: TagExampleDto[];
}

export class DefinitionsRequestDto {
  @ApiProperty({ type: [TagDefinitionDto], minItems: 1, maxItems: 500 })
  definitions!: TagDefinitionDto[];
}

export class CatalogProblemDto {
  @ApiProperty({ example: 'salary_stopped.json' })
  file!: string;

  @ApiPropertyOptional({ example: 'salary_stopped' })
  id?: string;

  @ApiProperty({ description: 'RFC 6901 pointer into the definition', example: '/rule/and/0' })
  pointer!: string;

  @ApiProperty({ example: 'unguarded_comparison' })
  code!: string;

  @ApiProperty()
  message!: string;
}

export class ValidationResultDto {
  @ApiProperty({ enum: [true] })
  valid!: true;

  @ApiProperty({ type: [CatalogProblemDto] })
  warnings!: CatalogProblemDto[];
}

export class TagVersionRefDto {
  @ApiProperty({ example: 'salary_stopped' })
  tagId!: string;

  @ApiProperty({ example: 2 })
  version!: number;
}

export class SyncReportDto {
  @ApiProperty({ type: [TagVersionRefDto] })
  activated!: TagVersionRefDto[];

  @ApiProperty({ example: 131 })
  unchanged!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    format: 'uuid',
    description: 'the backfill run, when any changed',
  })
  runId!: string | null;
}

export class DraftCreatedDto extends TagVersionRefDto {
  @ApiProperty({ type: [CatalogProblemDto] })
  warnings!: CatalogProblemDto[];
}

export class ApprovedDto extends TagVersionRefDto {
  @ApiProperty({ example: 'risk-lead' })
  approvedBy!: string;
}

export class RunStartedForVersionDto extends TagVersionRefDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;
}

export class DefinitionSummaryDto {
  @ApiProperty({ example: 'low_risk' })
  id!: string;

  @ApiProperty({ example: 1 })
  version!: number;

  @ApiProperty({ enum: TAG_KINDS })
  kind!: string;

  @ApiProperty({ enum: TAG_PURPOSES })
  purpose!: string;

  @ApiPropertyOptional({ enum: TAG_CATEGORIES })
  category?: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional()
  description?: string;

  @DateTimeProperty('when this version became active', true)
  activatedAt!: string | null;
}

export class DefinitionListDto {
  @ApiProperty({ type: [DefinitionSummaryDto] })
  items!: DefinitionSummaryDto[];
}

export class ActiveDefinitionDto extends TagDefinitionDto {
  @ApiProperty({ example: 1 })
  version!: number;

  @DateTimeProperty('when it became active', true)
  activatedAt!: string | null;
}

export class DefinitionVersionDto {
  @ApiProperty({ example: 2 })
  version!: number;

  @ApiProperty({ description: 'draft, active, superseded, retired', example: 'draft' })
  status!: string;

  @ApiProperty({ description: 'sha256 of the canonical definition' })
  checksum!: string;

  @ApiProperty({ type: 'string', nullable: true })
  createdBy!: string | null;

  @DateTimeProperty('when the version was created')
  createdAt!: string;

  @DateTimeProperty('when it was last activated', true)
  activatedAt!: string | null;

  @DateTimeProperty('when it was retired', true)
  retiredAt!: string | null;
}

export class DefinitionDetailDto {
  @ApiProperty({ example: 'low_risk' })
  id!: string;

  @ApiProperty({ type: ActiveDefinitionDto, nullable: true })
  active!: ActiveDefinitionDto | null;

  @ApiProperty({ type: [DefinitionVersionDto] })
  versions!: DefinitionVersionDto[];

  @ApiProperty({ description: 'customers carrying the tag now', example: 41200 })
  customers!: number;

  @ApiProperty({ description: 'rule errors in the last run over the tag', example: 0 })
  errorCount!: number;

  @ApiProperty({ type: 'string', nullable: true, format: 'uuid' })
  lastRunId!: string | null;
}

export class DefinitionDocumentDto {
  @ApiProperty({ enum: TAG_KINDS })
  kind!: string;

  @ApiProperty({ enum: TAG_PURPOSES })
  purpose!: string;

  @JsonProperty('the rule')
  rule!: unknown;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: JSON_VALUE_REF },
    description: 'name, category, ...',
  })
  meta!: Record<string, unknown>;
}

export class VersionStatusDto {
  @ApiProperty({ example: 1 })
  version!: number;

  @ApiProperty({ example: 'active' })
  status!: string;
}

export class JsonPatchOperationDto {
  @ApiProperty({ enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] })
  op!: string;

  @ApiProperty({ example: '/rule/and/1/>=/1' })
  path!: string;

  @OptionalJsonProperty('the new value (add, replace, test)')
  value?: unknown;

  @ApiPropertyOptional()
  from?: string;
}

export class DefinitionDiffDto {
  @ApiProperty({ example: 'low_risk' })
  tagId!: string;

  @ApiProperty({ example: 2 })
  version!: number;

  @ApiProperty({ example: 'draft' })
  status!: string;

  @ApiProperty({ type: 'string', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  approvedBy!: string | null;

  @ApiProperty({ type: VersionStatusDto, nullable: true, description: 'the version compared with' })
  against!: VersionStatusDto | null;

  @ApiProperty({ type: DefinitionDocumentDto, nullable: true })
  before!: DefinitionDocumentDto | null;

  @ApiProperty({ type: DefinitionDocumentDto })
  after!: DefinitionDocumentDto;

  @ApiProperty({ type: [JsonPatchOperationDto], description: 'RFC 6902 patch from before to after' })
  changes!: JsonPatchOperationDto[];
}
