import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';
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

  @OptionalJsonProperty(
    'the JSON Logic rule; a scorecard definition has `scorecard` instead (stored with its compiled rule)',
    {
      example: {
        and: [
          { '==': [{ var: 'income.payrollAtBank' }, true] },
          { '>': [{ days_since: { var: 'income.lastSalaryDate' } }, 45] },
        ],
      },
    },
  )
  rule?: unknown;

  @OptionalJsonProperty(
    'a number tag as a credit scorecard: baseScore, characteristics (var, bins with points and reason codes, missing), reasonCodes (docs/models.md)',
  )
  scorecard?: unknown;

  @OptionalJsonProperty(
    'what tagctl train recorded: training data fingerprint, IV table, holdout metrics, training distributions',
  )
  model?: unknown;

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

export class ChangeSetRefDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'pending, approved, activated, discarded', example: 'pending' })
  status!: string;
}

export class SyncReportDto {
  @ApiProperty({ type: [TagVersionRefDto], description: 'made active at once (no maker-checker)' })
  activated!: TagVersionRefDto[];

  @ApiProperty({
    type: [TagVersionRefDto],
    description: 'under maker-checker: drafts proposed in the change set',
  })
  drafts!: TagVersionRefDto[];

  @ApiProperty({ example: 131 })
  unchanged!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    format: 'uuid',
    description: 'the backfill run, when any changed',
  })
  runId!: string | null;

  @ApiProperty({
    type: ChangeSetRefDto,
    nullable: true,
    description: 'under maker-checker: the change set to approve and activate',
  })
  changeSet!: ChangeSetRefDto | null;
}

export class DraftCreatedDto extends TagVersionRefDto {
  @ApiProperty({
    enum: ['created', 'unchanged'],
    description: 'unchanged: the content equals the active version or the newest draft; nothing was created',
  })
  status!: 'created' | 'unchanged';

  @ApiPropertyOptional({ enum: ['active', 'draft'], description: 'unchanged: the version it equals' })
  matches?: 'active' | 'draft';

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

export class ActivationRequestDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    example: 1,
    description:
      'fail the run (and restore the previous version) when rule errors pass this share of the customers evaluated, in percent; RUN_ERROR_THRESHOLD_PERCENT by default',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'errorThresholdPercent must be a number' })
  @Min(0, { message: 'errorThresholdPercent must be a number from 0 to 100' })
  @Max(100, { message: 'errorThresholdPercent must be a number from 0 to 100' })
  errorThresholdPercent?: number;
}

export class DiscardedVersionDto extends TagVersionRefDto {
  @ApiProperty({ enum: ['discarded'] })
  status!: 'discarded';
}

export class RetirementProposedDto {
  @ApiProperty({ example: 'gambling_spend' })
  tagId!: string;

  @ApiProperty({ type: ChangeSetRefDto, description: 'the change set holding the retirement' })
  changeSet!: ChangeSetRefDto;
}

export class ChangeSetDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'pending, approved, activated, discarded', example: 'pending' })
  status!: string;

  @ApiProperty({ description: 'sync, folder or retire', example: 'sync' })
  source!: string;

  @ApiProperty({ type: [TagVersionRefDto], description: 'the drafts it activates' })
  versions!: TagVersionRefDto[];

  @ApiProperty({ type: [String], description: 'the tags it retires' })
  retire!: string[];

  @ApiProperty({ type: 'string', nullable: true, description: 'the maker' })
  createdBy!: string | null;

  @DateTimeProperty('when it was proposed')
  createdAt!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'the checker' })
  approvedBy!: string | null;

  @DateTimeProperty('when it was approved', true)
  approvedAt!: string | null;

  @DateTimeProperty('when it was activated or discarded', true)
  finishedAt!: string | null;

  @ApiProperty({ type: 'string', nullable: true, format: 'uuid', description: 'the activation run' })
  runId!: string | null;
}

export class ChangeSetListDto {
  @ApiProperty({ type: [ChangeSetDto] })
  items!: ChangeSetDto[];
}

export class ChangeSetActivatedDto {
  @ApiProperty({ format: 'uuid' })
  changeSetId!: string;

  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({ type: [TagVersionRefDto] })
  activated!: TagVersionRefDto[];

  @ApiProperty({ type: [String] })
  retired!: string[];
}

export class DriftSummaryDto {
  @ApiProperty({ example: 131 })
  same!: number;

  @ApiProperty({ example: 1 })
  changed!: number;

  @ApiProperty({ name: 'only-in-folder', example: 0 })
  'only-in-folder'!: number;

  @ApiProperty({ name: 'only-live', example: 0 })
  'only-live'!: number;
}

export class DriftEntryDto {
  @ApiProperty({ example: 'low_risk' })
  id!: string;

  @ApiProperty({ enum: ['same', 'changed', 'only-in-folder', 'only-live'] })
  state!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'sha256 of the folder file' })
  folderChecksum!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'sha256 of the active version' })
  liveChecksum!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  liveVersion!: number | null;
}

export class DriftReportDto {
  @ApiProperty({ description: 'TAG_DEFINITIONS_DIR', example: 'tag-definitions' })
  folder!: string;

  @ApiProperty({ type: DriftSummaryDto })
  summary!: DriftSummaryDto;

  @ApiProperty({ type: [DriftEntryDto] })
  definitions!: DriftEntryDto[];

  @ApiProperty({ description: 'files of the folder that do not load or validate', example: 0 })
  folderErrors!: number;
}

export class StabilityFlagDto {
  @ApiProperty({ description: "the score's PSI against its training distribution", example: 0.04 })
  psi!: number;

  @ApiProperty({ description: 'some PSI (score or characteristic) passes 0.25' })
  review!: boolean;
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
  nameZh?: string;

  @ApiPropertyOptional()
  owner?: string;

  @ApiPropertyOptional()
  description?: string;

  @ApiProperty({ type: [String], description: 'the tags its rule reads' })
  dependsOnTags!: string[];

  @ApiProperty({ description: 'sha256 of the canonical definition' })
  checksum!: string;

  @DateTimeProperty('when this version became active', true)
  activatedAt!: string | null;

  @ApiPropertyOptional({ type: StabilityFlagDto, description: 'a model tag: its population stability' })
  stability?: StabilityFlagDto;
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

  @ApiProperty({ description: 'draft, active, superseded, retired, discarded', example: 'draft' })
  status!: string;

  @ApiProperty({ description: 'sha256 of the canonical definition' })
  checksum!: string;

  @ApiProperty({ type: 'string', nullable: true })
  createdBy!: string | null;

  @DateTimeProperty('when the version was created')
  createdAt!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'the checker (maker-checker)' })
  approvedBy!: string | null;

  @DateTimeProperty('when it was last activated', true)
  activatedAt!: string | null;

  @DateTimeProperty('when it was retired', true)
  retiredAt!: string | null;
}

export class DraftVersionDto {
  @ApiProperty({ example: 'high_spender' })
  tagId!: string;

  @ApiProperty({ example: 3 })
  version!: number;

  @ApiProperty({ type: 'string', nullable: true, example: 'High spender' })
  name!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: '高消费' })
  nameZh!: string | null;

  @ApiProperty({ enum: TAG_KINDS })
  kind!: string;

  @ApiProperty({ description: 'sha256 of the canonical definition' })
  checksum!: string;

  @ApiProperty({ description: 'the maker (the name of the key that created it)', example: 'analyst' })
  createdBy!: string;

  @DateTimeProperty('when the draft was created')
  createdAt!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'the checker (maker-checker); null while it waits for approval',
  })
  approvedBy!: string | null;

  @DateTimeProperty('when it was approved', true)
  approvedAt!: string | null;
}

export class DraftListDto {
  @ApiProperty({ type: [DraftVersionDto], description: 'newest first' })
  items!: DraftVersionDto[];
}

export class ExampleOutcomeDto {
  @ApiProperty({ description: 'its position in examples', example: 0 })
  index!: number;

  @ApiProperty({ example: 'score 760, no overdue' })
  name!: string;

  @ApiProperty({ description: 'the rule gives the expected value' })
  passed!: boolean;

  @JsonProperty('the expected value (false for an unset boolean)')
  expected!: unknown;

  @JsonProperty('the value the rule gives now (null when it could not run)')
  actual!: unknown;

  @ApiPropertyOptional({ description: 'why it could not run (a rule error, an unknown dependency)' })
  error?: string;
}

export class DefinitionDetailDto {
  @ApiProperty({ example: 'low_risk' })
  id!: string;

  @ApiProperty({ type: ActiveDefinitionDto, nullable: true })
  active!: ActiveDefinitionDto | null;

  @ApiProperty({
    type: [ExampleOutcomeDto],
    description:
      "the active version's examples run against the active catalog now (as tagctl test runs them); empty without an active version",
  })
  examples!: ExampleOutcomeDto[];

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
