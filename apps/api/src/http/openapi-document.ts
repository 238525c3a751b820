import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_FORMAT } from '@tagforge/auth';
import { ErrorBodyDto, JSON_VALUE } from './openapi';

type Schema = Record<string, unknown>;

// The served profile.schema.json as OpenAPI components: Profile, and Profile_<def> for its $defs
// (JSON Schema's local references become references to those components).
export function profileComponents(profileSchema: unknown): Record<string, Schema> {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== 'object' || node === null) return node;
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$schema' || key === '$id' || key === '$defs') continue;
      out[key] =
        key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')
          ? `#/components/schemas/Profile_${value.slice('#/$defs/'.length)}`
          : rewrite(value);
    }
    // OpenAPI 3.0 reads only the reference of a node that has one: keep its words beside it.
    if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
      const { $ref, ...rest } = out;
      return { ...rest, allOf: [{ $ref }] };
    }
    return out;
  };
  const defs = ((profileSchema as { $defs?: Record<string, unknown> }).$defs ?? {}) as Record<
    string,
    unknown
  >;
  return {
    Profile: rewrite(profileSchema) as Schema,
    ProfilePatch: {
      type: 'object',
      description:
        'A JSON merge patch (RFC 7396) of a profile: the fields of Profile, where null removes a field or section',
      additionalProperties: true,
    },
    ...Object.fromEntries(
      Object.entries(defs).map(([name, def]) => [`Profile_${name}`, rewrite(def) as Schema]),
    ),
  };
}

export function readProfileSchema(definitionsDir: string): unknown {
  return JSON.parse(readFileSync(join(definitionsDir, 'profile.schema.json'), 'utf8')) as unknown;
}

// The API's OpenAPI document: every route's schemas from its decorators, plus the shared components
// (JSON values, the served profile schema) and the API key as the bearer format.
export function buildOpenApiDocument(app: INestApplication, profileSchema: unknown): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tagforge API')
      .setDescription(
        'Customer tagging and segmentation for retail lending. Errors are `{ "error": { code, message, details } }`; every /v1 route names its scope in x-required-scope and in its 403 answer.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: API_KEY_FORMAT,
        description: `An API key, ${API_KEY_FORMAT}, shown once when it is created (tagctl keys create)`,
      })
      .build(),
    { extraModels: [ErrorBodyDto] },
  );
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    [JSON_VALUE]: { description: 'any JSON value' },
    ...profileComponents(profileSchema),
  };
  return document;
}
