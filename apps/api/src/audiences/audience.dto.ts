import type { PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { MAX_EXPORT_COLUMNS, type ColumnRequest } from '@tagforge/serving';
import { DateTimeProperty, OptionalJsonProperty } from '../http/openapi';
import { assertTagId } from '../http/params';

export class AudienceSummaryDto {
  @ApiProperty({ example: 'instant_approval_offer' })
  id!: string;

  @ApiProperty({ enum: ['boolean', 'category', 'number', 'segment'] })
  kind!: string;

  @ApiProperty({ enum: ['marketing', 'risk', 'service'] })
  purpose!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'Instant-approval offer' })
  name!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: '秒批贷款邀约' })
  nameZh!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  description!: string | null;

  @ApiProperty({ description: 'the version active now, or at asOf', example: 1 })
  version!: number;

  @ApiPropertyOptional({ description: 'a category tag: the value this audience holds', example: 'A' })
  value?: string;

  @ApiPropertyOptional({ description: 'a number tag: the lower bound (inclusive)' })
  min?: number;

  @ApiPropertyOptional({ description: 'a number tag: the upper bound (inclusive)' })
  max?: number;

  @ApiProperty({ description: 'members now, or at asOf', example: 3740 })
  size!: number;

  @ApiPropertyOptional({ description: 'the instant answered for, when asOf was given', format: 'date-time' })
  asOf?: string;

  @DateTimeProperty('when membership last changed (at or before asOf)', true)
  lastChangedAt!: string | null;

  @ApiProperty({
    description: 'the changes feed cursor where it stands now: start a sync here, then take a full export',
    example: 'WyI5MTIzNCIsIjAiXQ',
  })
  head!: string;

  @OptionalJsonProperty('the JSON Logic rule of that version (single audiences only)')
  rule?: unknown;
}

export class AudienceListDto {
  @ApiProperty({ type: [AudienceSummaryDto] })
  items!: AudienceSummaryDto[];

  @ApiPropertyOptional({ description: 'the instant answered for, when asOf was given', format: 'date-time' })
  asOf?: string;
}

export class MemberDto {
  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @DateTimeProperty('since when the customer is a member (with asOf: the event that made it one)')
  since!: string;

  @ApiPropertyOptional({
    description: 'the requested columns, by name (tag:<id>, profile:<path>)',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/JsonValue' },
    example: { 'tag:risk_grade': 'A', 'profile:demographics.cityTier': 1 },
  })
  columns?: Record<string, unknown>;
}

export class MembersPageDto {
  @ApiProperty({ type: [MemberDto] })
  items!: MemberDto[];

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'pass as cursor for the next page; null at the end',
  })
  nextCursor!: string | null;

  @ApiPropertyOptional({ description: 'the instant answered for, when asOf was given', format: 'date-time' })
  asOf?: string;
}

export class ChangeDto {
  @ApiProperty({ example: '91234' })
  seq!: string;

  @ApiProperty({ example: 'C0000042' })
  customerId!: string;

  @ApiProperty({ enum: ['entered', 'exited'] })
  change!: 'entered' | 'exited';

  @DateTimeProperty('when the change happened')
  at!: string;

  @ApiProperty({ description: 'the definition version that made the change', example: 1 })
  segmentVersion!: number;
}

export class ChangesPageDto {
  @ApiProperty({ type: [ChangeDto] })
  items!: ChangeDto[];

  @ApiProperty({ description: 'store it and pass it as since next time (always present)' })
  nextCursor!: string;

  @ApiProperty({ description: 'where the feed stands now' })
  head!: string;
}

const COLUMN = /^(tag|profile):(.+)$/;
const PATH_SEGMENT = /^[A-Za-z0-9_]{1,64}$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

// ?columns=tag:risk_grade,profile:demographics.cityTier — checked against the catalog and the
// profile schema by the library; here only their form.
export class ColumnsPipe implements PipeTransform<unknown, ColumnRequest[]> {
  transform(value: unknown): ColumnRequest[] {
    if (value === undefined) return [];
    if (typeof value !== 'string')
      throw new TagforgeException(ErrorCode.BadRequest, 'columns is given more than once');
    const names = value.split(',');
    if (names.length > MAX_EXPORT_COLUMNS) {
      throw new TagforgeException(ErrorCode.BadRequest, `at most ${MAX_EXPORT_COLUMNS} columns`);
    }
    if (new Set(names).size !== names.length) {
      throw new TagforgeException(ErrorCode.BadRequest, 'a column is listed twice');
    }
    return names.map((name) => {
      const match = COLUMN.exec(name);
      if (!match) {
        throw new TagforgeException(
          ErrorCode.BadRequest,
          'columns are tag:<tag id> or profile:<dotted path>, separated by commas',
        );
      }
      if (match[1] === 'tag') return { source: 'tag', tagId: assertTagId(match[2], 'a tag column') };
      const path = match[2].split('.');
      if (
        path.length > 8 ||
        !path.every((segment) => PATH_SEGMENT.test(segment) && !FORBIDDEN.has(segment))
      ) {
        throw new TagforgeException(
          ErrorCode.BadRequest,
          `profile:${match[2].slice(0, 80)} is not a profile path`,
        );
      }
      return { source: 'profile', path };
    });
  }
}

export class ExportLinkDto {
  @ApiProperty({
    description:
      'GET it without a key (it is the credential): once, within expiresAt; a browser saves the file',
    example: '/exports/8Zr2pQ0mV1n5xWJc3yKfTq7uA9bLd4sE6hGiRjOkMlN',
  })
  url!: string;

  @ApiProperty({ enum: ['csv', 'ndjson'] })
  format!: string;

  @ApiProperty({ format: 'date-time', description: 'the link is refused after this instant' })
  expiresAt!: string;
}

// ?format= of an export link: csv (the default) or ndjson.
export class ExportFormatPipe implements PipeTransform<unknown, 'csv' | 'ndjson'> {
  transform(value: unknown): 'csv' | 'ndjson' {
    if (value === undefined) return 'csv';
    if (value === 'csv' || value === 'ndjson') return value;
    throw new TagforgeException(ErrorCode.BadRequest, 'format is csv or ndjson');
  }
}
