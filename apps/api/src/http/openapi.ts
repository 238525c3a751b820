import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
  type ApiPropertyOptions,
} from '@nestjs/swagger';
import { ErrorCode } from '@tagforge/common';

// Schemas shared by every route: the error shape, JSON values of any kind, tag values.

// Any JSON value (a rule, a profile section, a stored tag value): added to the document's components
// as the empty schema, which a client generator reads as "unknown".
export const JSON_VALUE = 'JsonValue';
export const JSON_VALUE_REF = `#/components/schemas/${JSON_VALUE}`;

export const JsonProperty = (description: string, options: ApiPropertyOptions = {}) =>
  ApiProperty({ description, allOf: [{ $ref: JSON_VALUE_REF }], ...options } as ApiPropertyOptions);

export const OptionalJsonProperty = (description: string, options: ApiPropertyOptions = {}) =>
  ApiPropertyOptional({ description, allOf: [{ $ref: JSON_VALUE_REF }], ...options } as ApiPropertyOptions);

// A tag's value: true for a set boolean or segment, a string for a category, a number for a number tag.
export const TAG_VALUE_SCHEMA = {
  oneOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'number' }],
  nullable: true,
};

export const TagValueProperty = (description: string) =>
  ApiProperty({ description, ...TAG_VALUE_SCHEMA } as unknown as ApiPropertyOptions);

export const DateTimeProperty = (description: string, nullable = false) =>
  ApiProperty({ description, type: 'string', format: 'date-time', nullable });

export class ErrorDto {
  @ApiProperty({ enum: Object.values(ErrorCode), enumName: 'ErrorCode', example: 'NOT_FOUND' })
  code!: ErrorCode;

  @ApiProperty({ example: 'customer C0000042 has no profile' })
  message!: string;

  @OptionalJsonProperty('More about the error: a list of problems with JSON pointers, a per-line report, ...')
  details?: unknown;
}

export class ErrorBodyDto {
  @ApiProperty({ type: ErrorDto })
  error!: ErrorDto;
}

export function errorResponse(status: number, code: ErrorCode, message: string, details?: unknown) {
  return ApiResponse({
    status,
    description: message,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorBodyDto) },
        example: { error: details === undefined ? { code, message } : { code, message, details } },
      },
    },
  });
}

// The errors a route can answer with, one decorator each (a route lists the ones that apply).
export const Refuses = {
  // Class-level, every /v1 route; 403 comes with the route's own scope (RequireScope).
  unauthenticated: () =>
    applyDecorators(
      ApiExtraModels(ErrorBodyDto),
      errorResponse(401, ErrorCode.Unauthenticated, 'unknown, revoked or expired API key'),
    ),
  badRequest: (what: string) =>
    errorResponse(400, ErrorCode.BadRequest, `not a valid request: ${what}; error.message says which`),
  invalidId: () =>
    errorResponse(
      400,
      ErrorCode.InvalidId,
      'customer id must be 1-64 characters of letters, digits and _ . : -',
    ),
  notFound: (message: string) => errorResponse(404, ErrorCode.NotFound, message),
  conflict: (message: string) => errorResponse(409, ErrorCode.Conflict, message),
  tooLarge: () =>
    errorResponse(413, ErrorCode.PayloadTooLarge, 'the request body is larger than this route accepts'),
  unsupportedMediaType: () =>
    errorResponse(415, ErrorCode.UnsupportedMediaType, 'send the body as application/json'),
  invalidProfile: () =>
    errorResponse(422, ErrorCode.ValidationFailed, 'the profile does not match the schema (1 problem)', [
      { pointer: '/bureau/score', message: 'must be <= 850' },
    ]),
  invalidDefinition: () =>
    errorResponse(422, ErrorCode.ValidationFailed, 'the definitions do not validate', [
      {
        file: 'low_risk.json',
        pointer: '/rule/and/0/>=/0/var',
        code: 'unknown_path',
        message: 'bureau.scroe is not in the profile schema',
      },
    ]),
  unprocessable: (message: string, details: unknown) =>
    errorResponse(422, ErrorCode.ValidationFailed, message, details),
};

// Query and path problems every paged route can have.
export const PAGING_PROBLEMS = 'limit outside its range, a cursor this API never returned';
export const AS_OF_PROBLEM = 'asOf not an ISO 8601 instant, or in the future';
