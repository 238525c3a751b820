import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { BOOTSTRAP_KEY, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const JOURNEY = join(__dirname, '../fixtures/openapi-client/journey.ts');

// What the journey reports (its module compiles only against the generated client, so it is loaded
// by path, outside this project's own typecheck).
interface JourneyModule {
  journey(
    client: ReturnType<typeof createClient>,
    prefix: string,
  ): Promise<{
    written: number;
    batchOk: number;
    evaluatedVersion: number;
    lookupTags: { tagId: string; value: unknown }[];
    unknown: string[];
    members: string[];
    changes: { customerId: string; change: string }[];
  }>;
}

// OpenAPI 3.0's `nullable: true` as JSON Schema, for ajv: the schema, or null.
function jsonSchemaOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(jsonSchemaOf);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, jsonSchemaOf(value)]),
  );
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
  components: object;
}

// A client generated from /docs-json during the run (openapi-typescript, openapi-fetch) drives a short
// journey: ingest, look up, page a segment, read the feed. A wrong or missing schema breaks it twice:
// the journey no longer compiles against the generated types, or an answer does not match the schema
// documented for it (every answer of the journey is validated with ajv).
describe('a client generated from the OpenAPI document', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let baseUrl: string;
  let document: OpenApiDocument;
  let directory: string;

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    await api.app.listen(0, '127.0.0.1');
    baseUrl = await api.app.getUrl();
    document = (await fetch(`${baseUrl}/docs-json`).then((response) => response.json())) as OpenApiDocument;
    directory = mkdtempSync(join(tmpdir(), 'tagforge-openapi-'));
  });
  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await worker.close();
    await api.close();
  });

  it('compiles the journey against the generated types', async () => {
    const generated = join(directory, 'tagforge-api.d.ts');
    writeFileSync(generated, astToString(await openapiTS(document as never)));
    const program = ts.createProgram([JOURNEY], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
      paths: { 'tagforge-api': [generated] },
      typeRoots: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file
        ? `${diagnostic.file.fileName}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  }, 120_000);

  it('runs the journey, every answer matching its documented schema', async () => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    // Literal paths first: /v1/customers/tags:lookup before /v1/customers/{id}.
    const parameters = (template: string) => (template.match(/\{/g) ?? []).length;
    const ordered = Object.keys(document.paths).sort((a, b) => parameters(a) - parameters(b));
    const templates = ordered.map((template) => ({
      template,
      pattern: new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}|\{[^}]+\}/g, '[^/]+')}$`,
      ),
    }));
    const mismatches: string[] = [];
    let checked = 0;
    const checkingFetch = async (input: Request): Promise<Response> => {
      const response = await fetch(input);
      const url = new URL(input.url);
      const match = templates.find(({ pattern }) => pattern.test(url.pathname));
      const operation = match && document.paths[match.template][input.method.toLowerCase()];
      const schema = operation?.responses[String(response.status)]?.content?.['application/json']?.schema;
      const label = `${input.method} ${url.pathname} -> ${response.status}`;
      if (!schema) {
        mismatches.push(`${label}: no documented JSON schema for this answer`);
        return response;
      }
      const body: unknown = await response.clone().json();
      const validate = ajv.compile(jsonSchemaOf({ ...schema, components: document.components }) as object);
      checked += 1;
      if (!validate(body)) mismatches.push(`${label}: ${ajv.errorsText(validate.errors)}`);
      return response;
    };
    const { journey } = (await import(JOURNEY)) as JourneyModule;
    const client = createClient({
      baseUrl,
      headers: { Authorization: `Bearer ${BOOTSTRAP_KEY}` },
      fetch: checkingFetch,
    });
    const result = await journey(client, 'JOURNEY');
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(8);
    expect(result).toMatchObject({ written: 1, batchOk: 4, unknown: ['JOURNEY-nobody'] });
    expect(result.evaluatedVersion).toBe(1);
    expect(result.lookupTags).toEqual([
      { tagId: 'do_not_market', value: true },
      { tagId: 'opted_out', value: true },
    ]);
    expect(result.members).toEqual(['JOURNEY-1', 'JOURNEY-2', 'JOURNEY-4']);
    expect(result.changes).toContainEqual({ customerId: 'JOURNEY-1', change: 'exited' });
    expect(result.changes.filter((change) => change.customerId === 'JOURNEY-1')).toHaveLength(1);
  }, 120_000);
});
