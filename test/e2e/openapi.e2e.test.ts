import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ApiKeyService, SCOPES, type Scope } from '@tagforge/auth';
import { AppModule } from '../../apps/api/src/app.module';
import {
  ANY_KEY,
  ANY_KEY_ROUTE,
  REQUIRED_SCOPE,
  forbiddenMessage,
} from '../../apps/api/src/auth/require-scope.decorator';
import { openApiDocument } from '../../apps/api/src/create-api-app';
import { auth, startApi, type ApiHarness } from '../support/api-harness';

interface Operation {
  'x-required-scope'?: Scope | typeof ANY_KEY;
  parameters?: { in: string; name: string; schema?: object }[];
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<
    string,
    { content?: Record<string, { schema?: Record<string, unknown>; example?: unknown }> }
  >;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: Record<string, { bearerFormat?: string }>;
  };
}

const operations = (document: Document) =>
  Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      label: `${method.toUpperCase()} ${template}`,
      template,
      method,
      operation,
    })),
  );

// A schema that says something: a reference, a type, or a combination; not an example alone.
const isSchema = (schema: Record<string, unknown> | undefined) =>
  schema !== undefined && ['$ref', 'type', 'oneOf', 'allOf', 'anyOf'].some((key) => key in schema);

// A route path in Fastify's syntax (`tags/:id(^[^/:]+)::retire`) as an OpenAPI template.
function templateOf(controllerPath: string, methodPath: string): string {
  const joined = `/${[controllerPath, methodPath].filter((part) => part !== '' && part !== '/').join('/')}`;
  // A parameter is ':' and a name; '::' is a literal colon.
  return joined
    .replace(/\(\^[^)]*\)/g, '')
    .replace(/(::)|:([A-Za-z]+)/g, (_, colon: string, name: string) => (colon ? ':' : `{${name}}`));
}

describe('the OpenAPI document', () => {
  let api: ApiHarness;
  let document: Document;

  beforeAll(async () => {
    api = await startApi();
    document = (await api.http.get('/docs-json').expect(200)).body as Document;
  });
  afterAll(() => api.close());

  it('documents each success with a schema, the 4xx each route can give, request bodies as schemas, and the key format', () => {
    const problems: string[] = [];
    for (const { label, template, operation } of operations(document)) {
      const successes = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      if (successes.length === 0) problems.push(`${label}: no success response`);
      for (const [status, response] of successes) {
        const media = Object.entries(response.content ?? {});
        if (media.length === 0) problems.push(`${label}: ${status} without content`);
        for (const [type, content] of media)
          if (!isSchema(content.schema)) problems.push(`${label}: ${status} ${type} without a schema`);
      }
      const takesInput = (operation.parameters ?? []).length > 0 || operation.requestBody !== undefined;
      if (takesInput && !operation.responses['400'])
        problems.push(`${label}: takes input but documents no 400`);
      for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) {
        const schema = content.schema;
        const bare =
          schema !== undefined &&
          schema.type === 'object' &&
          !('properties' in schema) &&
          !('additionalProperties' in schema);
        if (!isSchema(schema) || bare) problems.push(`${label}: request body ${type} is not a real schema`);
      }
      if (template.startsWith('/v1/')) {
        const scope = operation['x-required-scope'];
        if (!scope) problems.push(`${label}: no x-required-scope`);
        if (!operation.responses['401']) problems.push(`${label}: no 401`);
        if (!operation.responses['429']) problems.push(`${label}: no 429`);
        const forbidden = operation.responses['403']?.content?.['application/json']?.example as
          { error: { message: string } } | undefined;
        // A route any valid key may call refuses no key for its scopes.
        if (scope === ANY_KEY) {
          if (forbidden) problems.push(`${label}: open to any key, yet documents a 403`);
        } else if (!scope || !forbidden?.error.message.startsWith(forbiddenMessage(scope))) {
          problems.push(`${label}: the 403 example does not name ${scope}: ${forbidden?.error.message}`);
        }
      }
      if (
        (operation.parameters ?? []).some(
          (parameter) =>
            ['limit', 'min', 'max'].includes(parameter.name) &&
            (parameter.schema as { type?: string })?.type !== 'number',
        )
      ) {
        problems.push(`${label}: a numeric query parameter typed as text`);
      }
    }
    expect(problems).toEqual([]);
    expect(document.components.securitySchemes.bearer.bearerFormat).toBe('tfk_<id>_<secret>');
    expect(
      operations(document).filter(({ template }) => template.startsWith('/v1/')).length,
    ).toBeGreaterThanOrEqual(33);
  });

  it('resolves every reference', () => {
    const dangling = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const name = value.replace('#/components/schemas/', '');
          if (!(name in document.components.schemas)) dangling.add(value);
        } else walk(value);
      }
    };
    walk(document);
    expect([...dangling]).toEqual([]);
  });

  it('is the document the offline entry writes (Nest preview mode, no database or Redis)', async () => {
    expect(await openApiDocument()).toEqual(document);
  });

  it("names each route's scope as its handler enforces it", async () => {
    // What the handlers declare, read from the controllers themselves.
    const declared = new Map<string, Scope | typeof ANY_KEY>();
    const controllers = Reflect.getMetadata('controllers', AppModule) as (new (...args: never[]) => object)[];
    for (const controller of controllers) {
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const scope =
          (Reflect.getMetadata(REQUIRED_SCOPE, handler) as Scope | undefined) ??
          (Reflect.getMetadata(ANY_KEY_ROUTE, handler) === true ? ANY_KEY : undefined);
        if (path === undefined || method === undefined || scope === undefined) continue;
        declared.set(`${RequestMethod[method]} ${templateOf(base, path)}`, scope);
      }
    }
    const documented = new Map(
      operations(document)
        .filter(({ template }) => template.startsWith('/v1/'))
        .map(({ label, operation }) => [label, operation['x-required-scope']]),
    );
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(declared));

    // And as the guard answers: a key with every other scope is refused with the documented message.
    const service = api.app.get(ApiKeyService);
    const keys = new Map<Scope, string>();
    for (const scope of new Set(documented.values())) {
      if (scope === ANY_KEY || scope === undefined) continue;
      const others = SCOPES.filter((candidate) => candidate !== scope && candidate !== 'admin');
      keys.set(scope, (await service.create({ name: `all but ${scope}`, scopes: others }, null)).key);
    }
    // A key with one narrow scope: every route open to any key answers it.
    const narrow = (await service.create({ name: 'segments only', scopes: ['segments:read'] }, null)).key;
    const wrong: string[] = [];
    for (const { label, template, method, operation } of operations(document).filter(({ template }) =>
      template.startsWith('/v1/'),
    )) {
      const scope = operation['x-required-scope']!;
      const path = template.replace(/\{[^}]+\}/g, (name) => (name === '{version}' ? '1' : 'scope_probe'));
      const send = (key: string) =>
        api.http[method as 'get' | 'post' | 'put' | 'patch' | 'delete'](path).set(auth(key));
      if (scope === ANY_KEY) {
        const response = await send(narrow);
        if (response.status === 401 || response.status === 403) {
          wrong.push(`${label}: open to any key, yet ${response.status} ${JSON.stringify(response.body)}`);
        }
        continue;
      }
      const response = await send(keys.get(scope)!);
      if (response.status !== 403 || response.body.error?.message !== forbiddenMessage(scope)) {
        wrong.push(`${label}: ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
