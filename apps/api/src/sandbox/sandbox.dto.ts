import type { PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode, TagforgeException, isCustomerId } from '@tagforge/common';
import { hasForbiddenKeys } from '@tagforge/profile';
import {
  MAX_SANDBOX_DRAFTS,
  MAX_SANDBOX_LISTED_CUSTOMERS,
  MAX_SANDBOX_SAMPLE,
  type SandboxPopulation,
  type SandboxRequest,
} from '@tagforge/pipeline';
import { parseNow } from '@tagforge/rules';
import { TAG_VALUE_SCHEMA } from '../http/openapi';
import { TagDefinitionDto } from '../tags/definition.dto';

export class SampleDto {
  @ApiProperty({ minimum: 1, maximum: MAX_SANDBOX_SAMPLE, example: 100000 })
  sample!: number;

  @ApiPropertyOptional({ description: 'the same seed draws the same customers', example: 7 })
  seed?: number;
}

export class ListedCustomersDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_SANDBOX_LISTED_CUSTOMERS })
  customerIds!: string[];
}

export class SandboxRequestDto {
  @ApiProperty({ type: [TagDefinitionDto], minItems: 1, maxItems: MAX_SANDBOX_DRAFTS })
  definitions!: TagDefinitionDto[];

  @ApiPropertyOptional({
    description: '"all" (the default), a seeded sample, or listed customers',
    oneOf: [
      { type: 'string', enum: ['all'] },
      { $ref: getSchemaPath(SampleDto) },
      { $ref: getSchemaPath(ListedCustomersDto) },
    ],
  })
  population?: 'all' | SampleDto | ListedCustomersDto;

  @ApiPropertyOptional({ format: 'date-time', description: 'the evaluation instant (now by default)' })
  now?: string;
}

// The sandbox request, checked at the edge; the drafts themselves are the catalog's to validate.
export class SandboxRequestPipe implements PipeTransform<unknown, SandboxRequest> {
  transform(body: unknown): SandboxRequest {
    const fail = (message: string) => new TagforgeException(ErrorCode.BadRequest, message);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw fail('the body must be a JSON object');
    const forbidden = hasForbiddenKeys(body);
    if (forbidden !== null && !forbidden.startsWith('/definitions/')) {
      throw fail(`the body holds a forbidden key at ${forbidden}`);
    }
    const { definitions, population = 'all', now, ...rest } = body as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw fail(`unknown fields: ${Object.keys(rest).join(', ')}`);
    if (!Array.isArray(definitions) || definitions.length === 0 || definitions.length > MAX_SANDBOX_DRAFTS) {
      throw fail(`definitions must list 1-${MAX_SANDBOX_DRAFTS} draft definitions in the file format`);
    }
    return { definitions, population: parsePopulation(population, fail), now: parseInstant(now, fail) };
  }
}

function parsePopulation(population: unknown, fail: (message: string) => Error): SandboxPopulation {
  if (population === 'all') return 'all';
  if (typeof population === 'object' && population !== null && 'sample' in population) {
    const { sample, seed = 0, ...rest } = population as { sample: unknown; seed?: unknown };
    if (
      Object.keys(rest).length > 0 ||
      !Number.isInteger(sample) ||
      (sample as number) < 1 ||
      (sample as number) > MAX_SANDBOX_SAMPLE ||
      !Number.isSafeInteger(seed)
    ) {
      throw fail(
        `population.sample must be an integer from 1 to ${MAX_SANDBOX_SAMPLE}, with an integer seed`,
      );
    }
    return { sample: sample as number, seed: seed as number };
  }
  if (typeof population === 'object' && population !== null && 'customerIds' in population) {
    const { customerIds: ids, ...rest } = population as { customerIds: unknown };
    if (
      Object.keys(rest).length > 0 ||
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > MAX_SANDBOX_LISTED_CUSTOMERS ||
      !ids.every(isCustomerId)
    ) {
      throw fail(`population.customerIds must list 1-${MAX_SANDBOX_LISTED_CUSTOMERS} valid customer ids`);
    }
    return { customerIds: [...new Set(ids as string[])] };
  }
  throw fail('population is "all", {"sample": n, "seed": s} or {"customerIds": [...]}');
}

function parseInstant(now: unknown, fail: (message: string) => Error): string {
  if (now === undefined) return new Date().toISOString();
  try {
    if (typeof now !== 'string') throw new Error('not a string');
    return new Date(parseNow(now)).toISOString();
  } catch {
    throw fail('now must be an ISO 8601 instant');
  }
}

export class SandboxStartedDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({ example: 'queued' })
  status!: string;

  @ApiPropertyOptional({ description: 'a sample or listed population: how many customers it holds' })
  customers?: number;
}

export class SandboxProgressDto {
  @ApiProperty()
  total!: number;

  @ApiProperty()
  done!: number;

  @ApiProperty({ minimum: 0, maximum: 100 })
  percent!: number;
}

export class SandboxTagStatsDto {
  @ApiProperty({ example: 'low_risk' })
  tagId!: string;

  @ApiPropertyOptional({ enum: ['boolean', 'category', 'number', 'segment'] })
  kind?: string;

  @ApiProperty({ description: 'customers the tag would be set for', example: 41200 })
  set!: number;

  @ApiProperty({ description: 'customers it is set for now', example: 37080 })
  setBefore!: number;

  @ApiProperty({ description: 'customers who would gain it', example: 4300 })
  entered!: number;

  @ApiProperty({ description: 'customers who would lose it', example: 180 })
  left!: number;

  @ApiProperty({ description: 'customers whose value would change (category and number tags)', example: 0 })
  changed!: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'values and counts',
  })
  values?: Record<string, number>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'rule errors: count and an example',
  })
  errors?: Record<string, unknown>;
}

export class SandboxSegmentStatsDto {
  @ApiProperty({ example: 'instant_approval_offer' })
  segmentId!: string;

  @ApiProperty()
  sizeNow!: number;

  @ApiProperty()
  sizeWithDraft!: number;

  @ApiProperty()
  entered!: number;

  @ApiProperty()
  left!: number;
}

export class SandboxRunDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'succeeded' })
  status!: string;

  @ApiProperty({ type: SandboxProgressDto })
  progress!: SandboxProgressDto;

  @ApiProperty({
    oneOf: [
      { type: 'string', enum: ['all'] },
      { $ref: getSchemaPath(SampleDto) },
      { $ref: getSchemaPath(ListedCustomersDto) },
    ],
  })
  population!: unknown;

  @ApiProperty({ format: 'date-time' })
  now!: string;

  @ApiProperty({ type: 'string', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  finishedAt!: string | null;

  @ApiProperty({ type: [SandboxTagStatsDto], description: 'per draft' })
  tags!: SandboxTagStatsDto[];

  @ApiProperty({ type: [SandboxSegmentStatsDto], description: 'segments that read a draft' })
  segments!: SandboxSegmentStatsDto[];

  @ApiProperty({ type: [SandboxTagStatsDto], description: 'other tags that read a draft' })
  otherDependents!: SandboxTagStatsDto[];
}

export class SandboxCustomerDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ example: 'low_risk' })
  tagId!: string;

  @ApiProperty({ enum: ['entered', 'left', 'changed'] })
  change!: string;

  @ApiProperty({ ...TAG_VALUE_SCHEMA, description: 'the value now' } as object)
  before!: unknown;

  @ApiProperty({ ...TAG_VALUE_SCHEMA, description: 'the value with the drafts' } as object)
  after!: unknown;

  @ApiProperty({ description: 'why, operator by operator' })
  account!: string;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/JsonValue' } })
  reads!: Record<string, unknown>;
}

export class SandboxCustomersPageDto {
  @ApiProperty({ example: 'low_risk' })
  tagId!: string;

  @ApiProperty({ enum: ['entered', 'left', 'changed'] })
  change!: string;

  @ApiProperty({ type: [SandboxCustomerDto] })
  items!: SandboxCustomerDto[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class PublishedDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        tagId: { type: 'string' },
        version: { type: 'integer' },
        status: {
          type: 'string',
          enum: ['created', 'unchanged'],
          description: 'unchanged: equal to the active version or the newest draft; nothing was created',
        },
        matches: { type: 'string', enum: ['active', 'draft'] },
      },
      required: ['tagId', 'version', 'status'],
    },
  })
  drafts!: {
    tagId: string;
    version: number;
    status: 'created' | 'unchanged';
    matches?: 'active' | 'draft';
  }[];
}
