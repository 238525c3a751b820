import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { ApiKeyService } from '@tagforge/auth';
import { BOOTSTRAP_KEY, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const JOURNEY = join(__dirname, '../fixtures/openapi-client/journey.ts');
const FOUR_EYES_JOURNEY = join(__dirname, '../fixtures/openapi-client/four-eyes-journey.ts');

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

interface FourEyesModule {
  fourEyesJourney(
    maker: ReturnType<typeof createClient>,
    checker: ReturnType<typeof createClient>,
    customerId: string,
  ): Promise<{
    scopes: string[];
    driftStates: string[];
    stabilityCharacteristics: number;
    scorecardReasons: number;
    makerApproval: number;
    changeSetStatuses: string[];
    activated: { tagId: string; version: number }[];
    runKind: string;
    draftStatuses: string[];
    discarded: string;
    retirementStatus: string;
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

  // A fetch that validates every JSON answer against the schema documented for its status.
  function schemaChecks() {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    // Literal paths first: /v1/customers/tags:lookup before /v1/customers/{id}, and the longer of two
    // with as many parameters: /v1/changesets/{id}:approve before /v1/changesets/{id}.
    const parameters = (template: string) => (template.match(/\{/g) ?? []).length;
    const ordered = Object.keys(document.paths).sort(
      (a, b) => parameters(a) - parameters(b) || b.length - a.length,
    );
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
      const method = input.method.toLowerCase();
      const match = templates.find(
        ({ template, pattern }) => pattern.test(url.pathname) && document.paths[template][method],
      );
      const operation = match && document.paths[match.template][method];
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
    return { mismatches, checkingFetch, checked: () => checked };
  }

  it('compiles the journeys against the generated types', async () => {
    const generated = join(directory, 'tagforge-api.d.ts');
    writeFileSync(generated, astToString(await openapiTS(document as never)));
    const program = ts.createProgram([JOURNEY, FOUR_EYES_JOURNEY], {
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
    const { mismatches, checkingFetch, checked } = schemaChecks();
    const { journey } = (await import(JOURNEY)) as JourneyModule;
    const client = createClient({
      baseUrl,
      headers: { Authorization: `Bearer ${BOOTSTRAP_KEY}` },
      fetch: checkingFetch,
    });
    const result = await journey(client, 'JOURNEY');
    expect(mismatches).toEqual([]);
    expect(checked()).toBeGreaterThan(8);
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

  it('drives the definition routes under maker-checker, every answer matching its documented schema', async () => {
    const governed = await startApi({ REQUIRE_APPROVAL: 'true' });
    try {
      await governed.app.listen(0, '127.0.0.1');
      const url = await governed.app.getUrl();
      const checkerKey = (
        await governed.app
          .get(ApiKeyService)
          .create({ name: 'checker', scopes: ['definitions:write', 'tags:read'] }, null)
      ).key;
      const { mismatches, checkingFetch, checked } = schemaChecks();
      const client = (key: string) =>
        createClient({ baseUrl: url, headers: { Authorization: `Bearer ${key}` }, fetch: checkingFetch });
      const { fourEyesJourney } = (await import(FOUR_EYES_JOURNEY)) as FourEyesModule;
      const result = await fourEyesJourney(client(BOOTSTRAP_KEY), client(checkerKey), 'FOUR-EYES-1');
      expect(mismatches).toEqual([]);
      expect(checked()).toBeGreaterThan(15);
      expect(result).toMatchObject({
        scopes: ['admin'],
        driftStates: ['changed', 'only-in-folder', 'only-live', 'same'],
        makerApproval: 403,
        changeSetStatuses: ['pending', 'pending', 'approved'],
        activated: [{ tagId: 'low_risk', version: 2 }],
        runKind: 'activation',
        draftStatuses: ['created', 'unchanged'],
        discarded: 'discarded',
        retirementStatus: 'discarded',
      });
      expect(result.stabilityCharacteristics).toBeGreaterThan(0);
      expect(result.scorecardReasons).toBeGreaterThan(0);
    } finally {
      await governed.close();
    }
  }, 120_000);
});
