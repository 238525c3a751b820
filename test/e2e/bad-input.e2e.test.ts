import { METHODS, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ApiKeyService, isScope, type Scope } from '@tagforge/auth';
import { BOOTSTRAP_KEY, auth, startApi, type ApiHarness } from '../support/api-harness';
import {
  badAuthorization,
  badQueryValue,
  controlCharacterSegment,
  deepJson,
  definitionText,
  dotSegment,
  encodeQuery,
  forgedCursor,
  hostileDefinitionText,
  hostileProfileText,
  malformedJsonText,
  malformedSegment,
  paramKind,
  validProfile,
  WRONG_BATCH_CONTENT_TYPES,
  WRONG_JSON_CONTENT_TYPES,
} from '../support/bad-input-arbitraries';
import {
  checkRefused,
  checkUnchanged,
  everyLineRefused,
  recordLines,
  HANG_BUDGET_MS,
  HostileInputFailure,
  isErrorShape,
  type Expectation,
} from '../support/bad-input-checks';
import { RawClient, type RawRequest, type RawResponse } from '../support/bad-input-client';
import {
  acceptableBody,
  benignSegments,
  contentTypeOf,
  documentedOperations,
  FIXTURE,
  fillPath,
  harmlessRequest,
  isBatch,
  takesNdjson,
  isV1,
  label,
  takesBody,
  type Operation,
} from '../support/bad-input-routes';
import { StoreProbe, type StoreSnapshot } from '../support/bad-input-state';

// Reproduce a run with BAD_INPUT_SEED=<seed>; BAD_INPUT_SCALE multiplies every property's runs.
const SEED = Number(process.env.BAD_INPUT_SEED ?? Date.now() % 2_147_483_647);
const SCALE = Number(process.env.BAD_INPUT_SCALE ?? 1);
const REQUEST_TIMEOUT_MS = 20_000;
const LIMIT_TEST_MS = 120_000;

const runs = (count: number) => Math.max(1, Math.round(count * SCALE));
const json = (extra: Record<string, string> = {}) => ({
  ...auth(),
  'Content-Type': 'application/json',
  ...extra,
});

describe('hostile input on every route', () => {
  let api: ApiHarness;
  let client: RawClient;
  let store: StoreProbe;
  let operations: Operation[];
  let baseline: StoreSnapshot;
  const keys: Record<string, string> = {};
  const tally: { name: string; cases: number; requests: number; ms: number; sendMs: number }[] = [];
  const started = Date.now();

  beforeAll(async () => {
    api = await startApi();
    client = await RawClient.listen(api.app.getHttpServer() as Server, REQUEST_TIMEOUT_MS);
    store = await StoreProbe.connect(api.databaseUrl, api.queuePrefix);
    operations = await documentedOperations(client);

    // Everything legitimate happens here, before the baseline: the fixture customer and the keys.
    const put = await client.send({
      method: 'PUT',
      path: `/v1/customers/${FIXTURE.customerId}/profile`,
      headers: json(),
      body: JSON.stringify({
        deposits: { balance: 100, asOf: '2026-11-01T00:00:00Z' },
        bureau: { score: 700 },
      }),
    });
    expect(put.status).toBe(200);
    const campaign = await client.send({
      method: 'POST',
      path: '/v1/campaigns',
      headers: json(),
      body: JSON.stringify({
        id: FIXTURE.campaignId,
        name: 'Bad input',
        audience: '*',
        channel: 'sms',
        holdoutPercent: 0,
      }),
    });
    expect(campaign.status).toBe(201);
    const service = api.app.get(ApiKeyService);
    const revoked = await service.create({ name: 'bad-input revoked', scopes: ['admin'] }, null);
    await service.revoke(revoked.id, null);
    keys.revoked = revoked.key;
    keys.expired = (
      await service.create(
        { name: 'bad-input expired', scopes: ['admin'], expiresAt: new Date(Date.now() - 1000) },
        null,
      )
    ).key;
    const scopes = new Set<Scope>(['admin', ...operations.map((o) => o.scope ?? '').filter(isScope)]);
    for (const scope of scopes) {
      keys[scope] = (await service.create({ name: `bad-input ${scope}`, scopes: [scope] }, null)).key;
    }
    baseline = await store.snapshot();
  }, LIMIT_TEST_MS);

  afterAll(async () => {
    const total = tally.reduce((sum, entry) => sum + entry.cases, 0);
    const requests = tally.reduce((sum, entry) => sum + entry.requests, 0);
    const lines = tally.map(
      (entry) =>
        `  ${entry.name.padEnd(50)} ${String(entry.cases).padStart(6)} cases ${String(entry.requests).padStart(6)} requests ${String(entry.ms).padStart(7)} ms (${String(entry.sendMs).padStart(6)} ms answering)`,
    );
    console.log(
      [
        `hostile input: seed ${SEED} (BAD_INPUT_SEED=${SEED} to replay), scale ${SCALE}`,
        ...lines,
        `  total: ${total} cases, ${requests} requests in ${Date.now() - started} ms`,
      ].join('\n'),
    );
    client?.close();
    await store?.close();
    await api?.close();
  });

  // Every request of every property goes through here: it must be refused and write nothing.
  let requestCount = 0;
  let answeringMs = 0;
  async function refused(request: RawRequest, expectation?: Expectation): Promise<RawResponse> {
    requestCount += 1;
    const response = await client.send(request);
    answeringMs += response.elapsedMs;
    const after = await store.snapshot();
    const before = baseline;
    // A write is reported once, against the state just before it, so later cases and the shrinker
    // judge their own requests rather than inherit it.
    baseline = after;
    checkUnchanged(request, response, before, after);
    checkRefused(request, response, expectation);
    return response;
  }

  // One hostile value against many routes: every route is tried and every failure listed, so one
  // counterexample shows each route the bug reaches.
  async function sweep(
    requests: readonly { request: RawRequest; expectation?: Expectation }[],
  ): Promise<void> {
    const failures: string[] = [];
    for (const { request, expectation } of requests) {
      try {
        await refused(request, expectation);
      } catch (error) {
        if (!(error instanceof HostileInputFailure)) throw error;
        failures.push(error.message);
      }
    }
    if (failures.length > 0) {
      throw new HostileInputFailure(
        `${failures.length} of ${requests.length} routes failed:\n${failures.join('\n')}`,
      );
    }
  }

  async function property<T>(
    name: string,
    arbitrary: fc.Arbitrary<T>,
    predicate: (value: T) => Promise<void>,
    numRuns: number,
    parameters: fc.Parameters<[T]> = {},
  ): Promise<void> {
    let cases = 0;
    const requestsBefore = requestCount;
    const answeringBefore = answeringMs;
    const propertyStarted = Date.now();
    try {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (value) => {
          cases += 1;
          await predicate(value);
        }),
        { numRuns: runs(numRuns), seed: SEED, ...parameters },
      );
    } finally {
      tally.push({
        name,
        cases,
        requests: requestCount - requestsBefore,
        ms: Date.now() - propertyStarted,
        sendMs: answeringMs - answeringBefore,
      });
    }
    // The process still serves after each family of hostile requests.
    const live = await client.send({ method: 'GET', path: '/health/live' });
    expect(live.status).toBe(200);
  }

  const v1 = () => operations.filter(isV1);
  const bodyOperations = () => v1().filter((operation) => takesBody(operation) && !isBatch(operation));
  const batchOperation = () => v1().find(isBatch)!;
  const profileOperations = () =>
    v1().filter((o) => o.template === '/v1/customers/{id}/profile' && ['PUT', 'PATCH'].includes(o.method));
  const withPathParams = () => operations.filter((operation) => operation.pathParams.length > 0);
  const byTemplate = (method: string, template: string) =>
    operations.find((operation) => operation.method === method && operation.template === template)!;
  const profileTarget = fc.constantFrom('BAD-INPUT-NEW', FIXTURE.customerId);

  it('documents the routes this suite walks', () => {
    expect(v1().length).toBeGreaterThanOrEqual(25);
    expect(bodyOperations().length).toBeGreaterThanOrEqual(8);
    expect(batchOperation()).toBeDefined();
  });

  describe('bodies', () => {
    it(
      'refuses hostile profile documents on PUT and PATCH (prototype keys, deep nesting, NaN-like strings, huge numbers, wrong types)',
      async () => {
        await property(
          'profile documents (PUT/PATCH)',
          fc.tuple(
            fc.constantFrom(...profileOperations()),
            profileTarget,
            fc.constantFrom('application/json', 'application/merge-patch+json'),
            hostileProfileText,
          ),
          async ([operation, customer, type, body]) => {
            await refused({
              method: operation.method,
              path: fillPath(operation.template, { id: customer }),
              headers: json({ 'Content-Type': type }),
              body,
            });
          },
          1500,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses text that is not JSON, and JSON scalars, on every JSON route',
      async () => {
        await property(
          'malformed JSON on every JSON route',
          fc.tuple(fc.constantFrom(...bodyOperations()), malformedJsonText),
          async ([operation, body]) => {
            await refused({
              method: operation.method,
              path: fillPath(operation.template, benignSegments(operation)),
              headers: json({ 'Content-Type': contentTypeOf(operation) }),
              body,
            });
          },
          1500,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses empty bodies where a JSON document is expected (Content-Length: 0, and chunked with no chunk)',
      async () => {
        const routes = v1().filter((operation) => operation.consumes.length > 0);
        await property(
          'empty bodies',
          fc.tuple(fc.constantFrom(...routes), fc.boolean(), profileTarget),
          async ([operation, chunked, customer]) => {
            const headers: Record<string, string> = { ...auth(), 'Content-Type': contentTypeOf(operation) };
            if (chunked) headers['Transfer-Encoding'] = 'chunked';
            const segments = benignSegments(operation);
            if (operation.template.endsWith('/profile')) segments.id = customer;
            await refused(
              { method: operation.method, path: fillPath(operation.template, segments), headers, body: '' },
              isBatch(operation) ? everyLineRefused(0) : {},
            );
          },
          60,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses wrong content types, charsets and encodings on every body route, and bodies without a type',
      async () => {
        const bodyRoutes = [...bodyOperations(), batchOperation()];
        await property(
          'wrong content types and encodings',
          fc.constantFrom(...bodyRoutes).chain((operation) =>
            fc.tuple(
              fc.constant(operation),
              fc.oneof(
                fc
                  .constantFrom(
                    ...(takesNdjson(operation) ? WRONG_BATCH_CONTENT_TYPES : WRONG_JSON_CONTENT_TYPES),
                  )
                  .map((type) => ({ contentType: type as string | null, encoding: null as string | null })),
                fc.constant({ contentType: null, encoding: null }),
                fc
                  .constantFrom(
                    'gzip',
                    'deflate',
                    'br',
                    'compress',
                    'x-unknown',
                    'gzip, gzip',
                    'identity, br',
                  )
                  .map((encoding) => ({ contentType: contentTypeOf(operation), encoding })),
              ),
            ),
          ),
          async ([operation, { contentType, encoding }]) => {
            const headers: Record<string, string> = { ...auth() };
            if (contentType !== null) headers['Content-Type'] = contentType;
            // Well-formed but not compressed: a route that decodes it anyway would have to refuse it.
            if (encoding !== null) headers['Content-Encoding'] = encoding;
            await refused({
              method: operation.method,
              path: fillPath(operation.template, benignSegments(operation)),
              headers,
              body: acceptableBody(operation) ?? '{}',
            });
          },
          800,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses oversized bodies (1 MB JSON, 64 MB NDJSON, 10 MB) with 413, and gzip bombs unread with 415',
      async () => {
        await property(
          'oversized and compressed bodies',
          fc.tuple(
            fc.constantFrom(...bodyOperations(), batchOperation()),
            fc.constantFrom('plain', 'gzip-bomb', 'ten-megabytes'),
          ),
          async ([operation, kind]) => {
            // The NDJSON routes (the profile batch, a campaign's outcomes) share the 64 MB limit.
            const batch = takesNdjson(operation);
            const limit = batch ? 64 * 1024 * 1024 : 1024 * 1024;
            let body: Buffer;
            const headers: Record<string, string> = { ...auth(), 'Content-Type': contentTypeOf(operation) };
            if (kind === 'plain') {
              const line = '{"customerId":"BAD-INPUT-BIG","profile":{"deposits":{"balance":1}}}\n';
              body = batch
                ? Buffer.from(line.repeat(Math.ceil((limit + 1) / line.length)))
                : Buffer.from(`{"deposits":{"balance":1},"x":"${'x'.repeat(limit)}"}`);
            } else if (kind === 'ten-megabytes') {
              body = Buffer.from(`{"a":"${'y'.repeat(10 * 1024 * 1024)}"}`);
            } else {
              body = gzipSync(Buffer.alloc(limit + 1024, 0x20));
              headers['Content-Encoding'] = 'gzip';
            }
            // Ten megabytes is within the NDJSON limit: there the one line must be refused on its own.
            // Compressed bodies are refused before they are read, so a bomb is never inflated.
            await refused(
              {
                method: operation.method,
                path: fillPath(operation.template, benignSegments(operation)),
                headers,
                body,
              },
              batch && kind === 'ten-megabytes'
                ? everyLineRefused(1)
                : { statuses: [kind === 'gzip-bomb' ? 415 : 413] },
            );
          },
          16,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses more than 10,000 NDJSON lines with 413 and hostile NDJSON lines one by one, writing none',
      async () => {
        const batch = batchOperation();
        const send = (body: string, expectation?: Expectation) =>
          refused({ method: 'POST', path: batch.template, headers: ndjson(), body }, expectation);
        await send('x\n'.repeat(10_001), { statuses: [413] });
        const line = fc.oneof(
          malformedJsonText,
          fc.constantFrom('', ' ', '{}', '[]', 'null', '{"customerId":"B-1"}', '{"profile":{}}'),
          fc.constantFrom(
            '{"customerId":"B-1","profile":{},"patch":{}}',
            '{"customerId":"B-1","profile":{},"extra":1}',
            '{"customerId":"B-1","__proto__":{"profile":{}}}',
            '{"customerId":"B-1","constructor":{}}',
            '{"customerId":["B-1"],"profile":{}}',
            '{"customerId":1,"profile":{}}',
            '{"customerId":null,"profile":{}}',
            '{"customerId":"B-1","profile":null}',
            '{"customerId":"B-1","profile":[]}',
            '{"customerId":"B-1","profile":"x"}',
            `{"customerId":"${'B'.repeat(65)}","profile":{}}`,
            '{"customerId":"B 1","profile":{}}',
            '{"customerId":"B/1","profile":{}}',
            '{"customerId":"","profile":{}}',
          ),
          fc
            .tuple(
              fc.constantFrom('profile', 'patch'),
              hostileProfileText,
              fc.constantFrom('B-1', FIXTURE.customerId),
            )
            .map(([mode, profile, id]) => `{"customerId":"${id}","${mode}":${profile}}`),
          deepJson.map((text) => `{"customerId":"B-1","profile":{"loans":${text}}}`),
        );
        await property(
          'NDJSON batches of hostile lines',
          fc.tuple(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom('\n', '\r\n')),
          async ([lines, separator]) => {
            const body = lines.map((text) => text.replace(/[\r\n]/g, ' ')).join(separator) + separator;
            // Blank lines are skipped; a body of blank lines only holds no record at all.
            await send(
              body,
              everyLineRefused(recordLines(lines.map((text) => text.replace(/[\r\n]/g, ' ')))),
            );
          },
          200,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses hostile tag lookups (wrong types, too many ids, deep arrays, bad ids, prototype keys)',
      async () => {
        const lookup = byTemplate('POST', '/v1/customers/tags:lookup');
        const ids = (count: number) =>
          JSON.stringify(Array.from({ length: count }, (_, index) => `C-${index}`));
        const body = fc.oneof(
          fc.constantFrom(
            '{}',
            '[]',
            '{"customerIds":[]}',
            '{"customerIds":null}',
            '{"customerIds":"C-1"}',
            '{"customerIds":{"0":"C-1"}}',
            '{"customerIds":[1]}',
            '{"customerIds":[null]}',
            '{"customerIds":[["C-1"]]}',
            '{"customerIds":[{}]}',
            '{"customerIds":["C 1"]}',
            '{"customerIds":[".."]}'.replace('..', 'C/1'),
            `{"customerIds":["${'C'.repeat(65)}"]}`,
            '{"customerIds":["C-1"],"tagIds":"low_risk"}',
            '{"customerIds":["C-1"],"tagIds":[1]}',
            '{"customerIds":["C-1"],"tagIds":[null]}',
            '{"customerIds":["C-1"],"tagIds":[["x"]]}',
            '{"customerIds":["C-1"],"tagIds":{}}',
            '{"customerIds":["C-1"],"extra":1}',
            '{"customerIds":["C-1"],"__proto__":{"tagIds":[]}}',
            '{"__proto__":{"customerIds":["C-1"]}}',
            '{"constructor":{"customerIds":["C-1"]}}',
          ),
          fc.integer({ min: 1001, max: 5000 }).map((count) => `{"customerIds":${ids(count)}}`),
          fc
            .integer({ min: 501, max: 3000 })
            .map((count) => `{"customerIds":["C-1"],"tagIds":${JSON.stringify(new Array(count).fill('x'))}}`),
          deepJson.map((text) => `{"customerIds":${text}}`),
          deepJson.map((text) => `{"customerIds":["C-1"],"tagIds":${text}}`),
          malformedSegment('customer').map(
            (segment) => `{"customerIds":[${JSON.stringify(decodeURIComponentSafe(segment))}]}`,
          ),
          fc
            .jsonValue({ maxDepth: 2 })
            .filter((value) => !Array.isArray(value) || value.length === 0)
            .map((value) => `{"customerIds":${JSON.stringify(value)}}`),
        );
        await property(
          'tag lookups',
          body,
          async (text) => {
            await refused({ method: 'POST', path: lookup.template, headers: json(), body: text });
          },
          800,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses every body but {"kind": "recompute"} on POST /v1/runs',
      async () => {
        const start = byTemplate('POST', '/v1/runs');
        await property(
          'run requests',
          fc.oneof(
            fc.constantFrom(
              '{"kind":"Recompute"}',
              '{"kind":"recompute ","x":1}',
              '{"kind":["recompute"]}',
              '{"kind":{"toString":"recompute"}}',
              '{"kind":"recompute","extra":null}',
              '{"kind":"recompute","__proto__":{}}',
              '{"__proto__":{"kind":"recompute"}}',
              '{"constructor":{"kind":"recompute"}}',
              '{"kind":"recompute\\u0000"}',
              '{"kind":null}',
              '[{"kind":"recompute"}]',
            ),
            deepJson.map((text) => `{"kind":${text}}`),
            fc
              .dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
              .filter((value) => value.kind !== 'recompute' || Object.keys(value).length !== 1)
              .map((value) => JSON.stringify(value)),
          ),
          async (body) => {
            await refused({ method: 'POST', path: start.template, headers: json(), body });
          },
          300,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses hostile rules and definitions (20,000-deep nesting, __proto__ / constructor paths, Math.abs / log / method, 1 MB literals) on validate, draft and sync',
      async () => {
        const routes = ['/v1/tags:validate', '/v1/tags', '/v1/tags:sync'].map((t) => byTemplate('POST', t));
        await property(
          'hostile rules and definitions',
          fc.tuple(
            fc.constantFrom(...routes),
            fc.array(hostileDefinitionText, { minLength: 1, maxLength: 12 }),
            fc.boolean(),
          ),
          async ([operation, definitions, wrapped]) => {
            // The draft route takes one definition; validate and sync take several at once, so one
            // request checks a batch of hostile definitions (a body over 1 MB is refused as a whole).
            const body =
              operation.template === '/v1/tags' || (!wrapped && definitions.length === 1)
                ? definitions[0]
                : `{"definitions":[${definitions.join(',')}]}`;
            await refused({ method: 'POST', path: operation.template, headers: json(), body });
          },
          40,
        );
      },
      LIMIT_TEST_MS,
    );
  });

  describe('paths and queries', () => {
    it(
      'refuses malformed path ids on every route: unicode, separators, bad escapes, invalid UTF-8, 65+ characters',
      async () => {
        const target = fc
          .constantFrom(...withPathParams())
          .chain((operation) =>
            fc
              .constantFrom(...operation.pathParams)
              .chain((name) =>
                fc
                  .tuple(malformedSegment(paramKind(operation.template, name)), bodyFor(operation))
                  .map(([segment, body]) => ({ operation, name, segment, body })),
              ),
          );
        await property(
          'malformed path ids',
          target,
          async ({ operation, name, segment, body }) => {
            await refused(pathRequest(operation, name, segment, body));
          },
          1500,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses path ids with control characters (NUL, newline, escape) on every route',
      async () => {
        await property(
          'control characters in path ids (every route)',
          controlCharacterSegment,
          async (segment) => {
            const requests = withPathParams().flatMap((operation) =>
              operation.pathParams.map((name) => ({
                request: pathRequest(operation, name, segment, acceptableBody(operation)),
              })),
            );
            await sweep(requests);
          },
          40,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses customer ids that are URL dot segments (".", "..") on writes, even with a valid body',
      async () => {
        const batch = batchOperation();
        await property(
          'dot-segment customer ids on writes',
          fc.tuple(fc.constantFrom(...profileOperations(), batch), dotSegment, validProfile),
          async ([operation, segment, profile]) => {
            if (isBatch(operation)) {
              const line = JSON.stringify({ customerId: decodeURIComponent(segment), profile });
              await refused(
                { method: 'POST', path: batch.template, headers: ndjson(), body: `${line}\n` },
                everyLineRefused(1),
              );
              return;
            }
            await refused({
              method: operation.method,
              path: fillPath(operation.template, { id: segment }),
              headers: json(),
              body: JSON.stringify(profile),
            });
          },
          30,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses bad query parameters: limit -1 / 0 / 10^9 / abc, garbage cursors, garbage asOf / from / to, bad tagId, repeated parameters',
      async () => {
        const withQueries = v1().filter((operation) => operation.queryParams.length > 0);
        const target = fc.constantFrom(...withQueries).chain((operation) =>
          fc
            .tuple(
              fc.subarray(operation.queryParams, { minLength: 1 }),
              fc.boolean(),
              fc.constantFrom('application/json', 'text/csv', 'application/x-ndjson'),
            )
            // A CSV or NDJSON export streams the whole list: only asOf applies to it.
            .map(([names, repeated, accept]) => {
              const exported = operation.template.endsWith('/members') && accept !== 'application/json';
              const applicable = exported ? names.filter((name) => name === 'asOf') : names;
              return applicable.length > 0
                ? ([applicable, repeated, accept] as const)
                : ([names, repeated, 'application/json'] as const);
            })
            .chain(([names, repeated, accept]) =>
              fc
                .tuple(...names.map((name) => badQueryValue(name).map((value) => [name, value] as const)))
                .map((pairs) => ({ operation, pairs, repeated, accept })),
            ),
        );
        await property(
          'bad query parameters',
          target,
          async ({ operation, pairs, repeated, accept }) => {
            const query = pairs
              .flatMap(([name, value]) =>
                repeated ? [[name, value] as const, [name, value] as const] : [[name, value] as const],
              )
              .map(([name, value]) => `${name}=${encodeQuery(value)}`)
              .join('&');
            await refused({
              method: operation.method,
              path: `${fillPath(operation.template, benignSegments(operation))}?${query}`,
              headers: { ...auth(), Accept: accept },
            });
          },
          1700,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses forged cursors: the right envelope around values no answer ever held',
      async () => {
        const routes = v1().filter(
          (o) => o.queryParams.includes('cursor') || o.queryParams.includes('since'),
        );
        const cursors = fc.tuple(
          ...routes.map((operation) =>
            forgedCursor(operation.queryParams.includes('cursor') ? 'cursor' : 'since', operation.template),
          ),
        );
        await property(
          'forged cursors (every paged route)',
          cursors,
          async (values) => {
            await sweep(
              routes.map((operation, index) => {
                const name = operation.queryParams.includes('cursor') ? 'cursor' : 'since';
                const path = fillPath(operation.template, benignSegments(operation));
                return {
                  request: {
                    method: operation.method,
                    path: `${path}?${name}=${encodeQuery(values[index])}`,
                    headers: auth(),
                  },
                };
              }),
            );
          },
          30,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'answers wrong methods on every documented path with a 4xx and the error shape',
      async () => {
        // HEAD answers without a body and CONNECT opens a tunnel: neither can carry the error shape.
        const methods = METHODS.filter((method) => !['HEAD', 'CONNECT'].includes(method));
        const matches = (method: string, path: string) =>
          operations.some((o) => o.method === method && templatePattern(o.template).test(path.split('?')[0]));
        const paths = [...new Set(operations.map((o) => o.template))];
        const target = fc
          .tuple(
            fc.constantFrom(...paths),
            fc.constantFrom(...methods),
            fc.option(fc.object({ maxDepth: 2 })),
          )
          .map(([template, method, value]) => {
            const operation = operations.find((o) => o.template === template)!;
            return { method, path: fillPath(template, benignSegments(operation)), value };
          })
          .filter(({ method, path }) => !matches(method, path));
        await property(
          'wrong methods',
          target,
          async ({ method, path, value }) => {
            await refused({
              method,
              path,
              headers: value === null ? auth() : json(),
              body: value === null ? undefined : JSON.stringify(value),
            });
          },
          600,
        );
      },
      LIMIT_TEST_MS,
    );
  });

  describe('keys and scopes', () => {
    it(
      'answers 401 to missing, malformed, unknown, revoked and expired keys on every route, even with a valid body',
      async () => {
        const target = fc.tuple(
          fc.constantFrom(...v1()),
          badAuthorization(BOOTSTRAP_KEY, keys.revoked, keys.expired),
        );
        await property(
          'bad Authorization headers',
          target,
          async ([operation, authorization]) => {
            const body = acceptableBody(operation);
            const headers: Record<string, string> = {};
            if (authorization !== null) headers.Authorization = authorization;
            if (body !== undefined) headers['Content-Type'] = contentTypeOf(operation);
            const response = await refused(
              {
                method: operation.method,
                path: fillPath(operation.template, acceptablePathSegments(operation)),
                headers,
                body,
              },
              { statuses: [401] },
            );
            if ((response.json as { error: { code: string } }).error.code !== 'UNAUTHENTICATED') {
              throw new HostileInputFailure(`401 with code ${response.text}`);
            }
          },
          1600,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'lets a segments:read key reach only segments:read routes, and admin reach every route (table of routes x scopes)',
      async () => {
        const scopes = Object.keys(keys).filter((name) => !['revoked', 'expired'].includes(name));
        const rows: string[] = [];
        const problems: string[] = [];
        const requestsBefore = requestCount;
        const tableStarted = Date.now();
        for (const operation of v1()) {
          const cells: string[] = [];
          for (const scope of scopes) {
            // GET /v1/auth/whoami declares "any": every valid key reaches it.
            const reaches = scope === 'admin' || scope === operation.scope || operation.scope === 'any';
            const acceptable = acceptableBody(operation);
            // A refused key gets a body the route would take; a key that may call the route gets a
            // harmless request, so reaching the route writes nothing either.
            const harmless = harmlessRequest(operation);
            const request: RawRequest = reaches
              ? {
                  method: operation.method,
                  path: harmless.path,
                  headers: {
                    Authorization: `Bearer ${keys[scope]}`,
                    ...(harmless.body === undefined ? {} : { 'Content-Type': contentTypeOf(operation) }),
                  },
                  body: harmless.body,
                }
              : {
                  method: operation.method,
                  path: fillPath(operation.template, acceptablePathSegments(operation)),
                  headers: {
                    Authorization: `Bearer ${keys[scope]}`,
                    ...(acceptable === undefined ? {} : { 'Content-Type': contentTypeOf(operation) }),
                  },
                  body: acceptable,
                };
            requestCount += 1;
            const response = await client.send(request);
            cells.push(String(response.status));
            const ok = reaches
              ? response.status < 500 && ![401, 403].includes(response.status)
              : response.status === 403 && isErrorShape(response.json);
            if (!ok)
              problems.push(
                `${scope} on ${label(operation)}: ${response.status} ${response.text.slice(0, 120)}`,
              );
            const after = await store.snapshot();
            const before = baseline;
            baseline = after;
            checkUnchanged(request, response, before, after);
          }
          rows.push(
            `  ${label(operation).padEnd(52)} ${String(operation.scope).padEnd(18)} ${cells.map((c) => c.padStart(5)).join('')}`,
          );
        }
        console.log(
          [
            `routes x scopes (status per key; expected 403 unless the key is admin or holds the route's scope)`,
            `  ${''.padEnd(52)} ${'requires'.padEnd(18)} ${scopes.map((s) => s.split(':')[0].slice(0, 5).padStart(5)).join('')}`,
            ...rows,
          ].join('\n'),
        );
        tally.push({
          name: 'routes x scopes table',
          cases: requestCount - requestsBefore,
          requests: requestCount - requestsBefore,
          ms: Date.now() - tableStarted,
          sendMs: 0,
        });
        expect(problems).toEqual([]);
        const segmentsOnly = v1().filter((o) => o.scope !== 'segments:read');
        expect(segmentsOnly.length).toBeGreaterThan(0);
      },
      LIMIT_TEST_MS,
    );
  });

  describe('values the store cannot take and inputs that cost too much', () => {
    it(
      'refuses NUL characters and lone surrogates in stored text (profiles, NDJSON lines, definitions, lookups)',
      async () => {
        const target = fc.tuple(
          fc.constantFrom('a\\u0000b', '\\u0000', '\\ud800', 'x\\udfff', '\\ud83d'),
          fc.constantFrom('name', 'description', 'owner', 'nameZh'),
        );
        await property(
          'NUL and lone surrogates in stored text (every write)',
          target,
          async ([value, field]) => {
            const profile = `{"demographics":{"province":"${value}"}}`;
            const definition = definitionText('true').replace(
              '"description":"hostile"',
              `"description":"hostile","${field}":"${value}"`,
            );
            await sweep([
              {
                request: {
                  method: 'PUT',
                  path: '/v1/customers/BAD-INPUT-NUL/profile',
                  headers: json(),
                  body: profile,
                },
              },
              {
                request: {
                  method: 'PATCH',
                  path: `/v1/customers/${FIXTURE.customerId}/profile`,
                  headers: json(),
                  body: profile,
                },
              },
              {
                request: {
                  method: 'POST',
                  path: batchOperation().template,
                  headers: ndjson(),
                  body: `{"customerId":"BAD-INPUT-NUL","profile":${profile}}\n`,
                },
                expectation: everyLineRefused(1),
              },
              { request: { method: 'POST', path: '/v1/tags', headers: json(), body: definition } },
              {
                request: {
                  method: 'POST',
                  path: '/v1/tags:sync',
                  headers: json(),
                  body: `{"definitions":[${definition}]}`,
                },
              },
              {
                request: {
                  method: 'POST',
                  path: '/v1/customers/tags:lookup',
                  headers: json(),
                  body: `{"customerIds":["${FIXTURE.customerId}"],"tagIds":["${value}"]}`,
                },
              },
            ]);
          },
          20,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      'refuses bodies with invalid UTF-8 bytes instead of storing U+FFFD',
      async () => {
        const bytes = fc.constantFrom(
          [0xff],
          [0xfe, 0xff],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xe2, 0x82],
          [0x80],
          [0xf8, 0x88, 0x80],
        );
        await property(
          'invalid UTF-8 bytes in bodies (every profile write)',
          bytes,
          async (invalid) => {
            const profile = Buffer.concat([
              Buffer.from('{"demographics":{"province":"Zhe'),
              Buffer.from(invalid),
              Buffer.from('jiang"}}'),
            ]);
            await sweep([
              ...['PUT', 'PATCH'].map((method) => ({
                request: {
                  method,
                  path: '/v1/customers/BAD-INPUT-UTF8/profile',
                  headers: json(),
                  body: profile,
                },
              })),
              {
                request: {
                  method: 'POST',
                  path: batchOperation().template,
                  headers: ndjson(),
                  body: Buffer.concat([
                    Buffer.from('{"customerId":"BAD-INPUT-UTF8","profile":'),
                    profile,
                    Buffer.from('}\n'),
                  ]),
                },
                expectation: everyLineRefused(1),
              },
            ]);
          },
          14,
        );
      },
      LIMIT_TEST_MS,
    );

    it(
      `answers large arrays of invalid items within ${HANG_BUDGET_MS} ms (profile PUT, NDJSON line, definition example)`,
      async () => {
        await property(
          'large arrays of invalid items, answered in time',
          fc.tuple(fc.constantFrom('put', 'batch', 'validate'), fc.integer({ min: 28_000, max: 36_000 })),
          async ([route, count]) => {
            const loans = `{"loans":[${new Array<string>(count).fill('{}').join(',')}]}`;
            const request: RawRequest =
              route === 'put'
                ? {
                    method: 'PUT',
                    path: '/v1/customers/BAD-INPUT-ARRAY/profile',
                    headers: json(),
                    body: loans,
                  }
                : route === 'batch'
                  ? {
                      method: 'POST',
                      path: batchOperation().template,
                      headers: ndjson(),
                      body: `{"customerId":"BAD-INPUT-ARRAY","profile":${loans}}\n`,
                    }
                  : {
                      method: 'POST',
                      path: '/v1/tags:validate',
                      headers: json(),
                      body: definitionText(
                        'true',
                        `,"examples":[{"name":"e","expect":true,"profile":${loans}}]`,
                      ),
                    };
            await refused(request, route === 'batch' ? everyLineRefused(1) : {});
          },
          3,
          // Each failing case blocks the event loop for seconds; report the first rather than shrink.
          { endOnFailure: true },
        );
      },
      LIMIT_TEST_MS * 2,
    );
  });

  it('still serves afterwards: liveness, and a valid PUT on a customer hostile requests went for', async () => {
    const live = await client.send({ method: 'GET', path: '/health/live' });
    expect(live.status).toBe(200);
    for (const customer of [FIXTURE.customerId, 'BAD-INPUT-NEW']) {
      const put = await client.send({
        method: 'PUT',
        path: `/v1/customers/${customer}/profile`,
        headers: json(),
        body: JSON.stringify({ deposits: { balance: 5 } }),
      });
      expect({ customer, status: put.status }).toEqual({ customer, status: 200 });
      expect(put.elapsedMs).toBeLessThan(HANG_BUDGET_MS);
    }
    const read = await client.send({
      method: 'GET',
      path: `/v1/customers/BAD-INPUT-NEW/profile`,
      headers: auth(),
    });
    expect((read.json as { profile: unknown }).profile).toEqual({ deposits: { balance: 5 } });
  });

  function pathRequest(
    operation: Operation,
    name: string,
    segment: string,
    body: string | undefined,
  ): RawRequest {
    const segments = { ...benignSegments(operation), [name]: segment };
    return {
      method: operation.method,
      path: fillPath(operation.template, segments),
      headers: body === undefined ? auth() : json({ 'Content-Type': contentTypeOf(operation) }),
      body,
    };
  }

  // A body the route would take, so only the bad path id can be what is refused.
  function bodyFor(operation: Operation): fc.Arbitrary<string | undefined> {
    if (operation.template.endsWith('/profile') && takesBody(operation))
      return validProfile.map((p) => JSON.stringify(p));
    return fc.constant(acceptableBody(operation));
  }

  // Path values for requests refused before the handler (auth, scope): real ids, so a guard that let
  // them through would show as a write.
  function acceptablePathSegments(operation: Operation): Record<string, string> {
    const segments = benignSegments(operation);
    if (operation.template.startsWith('/v1/tags/{id}') && operation.method === 'POST') {
      segments.id = FIXTURE.booleanTagId;
    }
    if (operation.template.startsWith('/v1/customers/{id}') && operation.method !== 'GET') {
      segments.id = FIXTURE.customerId;
    }
    return segments;
  }
});

function ndjson(): Record<string, string> {
  return { ...auth(), 'Content-Type': 'application/x-ndjson' };
}

function decodeURIComponentSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}
