import type { RawClient } from './bad-input-client';

export interface Operation {
  method: string;
  // OpenAPI path template, e.g. /v1/customers/{id}/tags/{tagId}/explain
  template: string;
  scope: string | null;
  pathParams: string[];
  queryParams: string[];
  // Media types of the request body; empty when the route takes none.
  consumes: string[];
}

interface OpenApiOperation {
  'x-required-scope'?: string;
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, unknown> };
}

// Every operation the API documents; new routes are covered as soon as they are in OpenAPI.
export async function documentedOperations(client: RawClient): Promise<Operation[]> {
  const response = await client.send({ method: 'GET', path: '/docs-json' });
  if (response.status !== 200) throw new Error(`GET /docs-json answered ${response.status}`);
  const document = response.json as { paths: Record<string, Record<string, OpenApiOperation>> };
  return Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      scope: operation['x-required-scope'] ?? null,
      pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      queryParams: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      consumes: Object.keys(operation.requestBody?.content ?? {}),
    })),
  );
}

export const isV1 = (operation: Operation) => operation.template.startsWith('/v1/');

export const takesBody = (operation: Operation) =>
  operation.consumes.length > 0 || ['POST', 'PUT', 'PATCH'].includes(operation.method);

export const label = (operation: Operation) => `${operation.method} ${operation.template}`;

// Fills each `{param}` with an already URL-encoded segment.
export function fillPath(template: string, segments: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const segment = segments[name];
    if (segment === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return segment;
  });
}

// The one customer and the catalog entries the fixture guarantees, so a hostile value in one
// parameter meets real data in the others and the request gets past the first lookup.
export const FIXTURE = {
  customerId: 'BAD-INPUT-FIXTURE',
  booleanTagId: 'abandoned_application',
  segmentId: 'low_risk_customers',
  unknownTagId: 'no_such_tag_bad_input',
  unknownRunId: '00000000-0000-4000-8000-000000000000',
  // A campaign over everyone, frozen before the baseline: the fixture customer is a member.
  campaignId: 'bad-input-campaign',
} as const;

// A well-formed value for each path parameter of an operation, chosen so that no request with it
// writes anything: ids of things that do not exist where a write would follow.
export function benignSegments(operation: Operation): Record<string, string> {
  const segments: Record<string, string> = {};
  const writes = operation.method !== 'GET';
  for (const name of operation.pathParams) {
    if (name === 'version') segments[name] = '1';
    else if (name === 'tagId') segments[name] = FIXTURE.booleanTagId;
    else if (operation.template.includes('/runs/{')) segments[name] = FIXTURE.unknownRunId;
    else if (operation.template.startsWith('/v1/customers/'))
      segments[name] = writes ? 'BAD-INPUT-NOBODY' : FIXTURE.customerId;
    else if (
      operation.template.startsWith('/v1/segments/') ||
      operation.template.startsWith('/v1/audiences/')
    )
      segments[name] = FIXTURE.segmentId;
    else if (operation.template.startsWith('/v1/tags/'))
      segments[name] = writes ? FIXTURE.unknownTagId : FIXTURE.booleanTagId;
    // Outcomes are refused per line: hostile ones meet the real campaign and its real member.
    else if (operation.template.startsWith('/v1/campaigns/')) segments[name] = FIXTURE.campaignId;
    else segments[name] = 'bad-input-unknown';
  }
  return segments;
}

export const BATCH_TEMPLATE = '/v1/profiles:batch';

export const isBatch = (operation: Operation) => operation.template === BATCH_TEMPLATE;

// Routes whose body is NDJSON text: the profile batch and a campaign's outcomes.
export const takesNdjson = (operation: Operation) =>
  isBatch(operation) || operation.consumes.includes('application/x-ndjson');

export function contentTypeOf(operation: Operation): string {
  if (isBatch(operation)) return 'application/x-ndjson';
  return operation.consumes.find((type) => type.includes('json')) ?? 'application/json';
}

const VALID_DEFINITION = JSON.stringify({
  id: 'bad_input_valid_probe',
  name: 'Valid probe',
  kind: 'boolean',
  purpose: 'risk',
  category: 'early_warning',
  description: 'A definition that would validate.',
  rule: { '>=': [{ var: 'bureau.score' }, 700] },
});

// A body the route would accept from a key that may call it: requests with it must then be refused
// for the key alone.
export function acceptableBody(operation: Operation): string | undefined {
  if (!takesBody(operation)) return undefined;
  if (isBatch(operation)) return `{"customerId":"BAD-INPUT-NEW","profile":{"deposits":{"balance":1}}}\n`;
  if (operation.template.endsWith('/profile')) return '{"deposits":{"balance":1}}';
  if (operation.template === '/v1/customers/tags:lookup') return `{"customerIds":["${FIXTURE.customerId}"]}`;
  if (operation.template === '/v1/tags:sync') return `{"definitions":[${VALID_DEFINITION}]}`;
  if (operation.template.startsWith('/v1/tags')) return VALID_DEFINITION;
  if (operation.template === '/v1/runs') return '{"kind":"recompute"}';
  if (operation.template === '/v1/insights/overlap') return `{"audiences":["${FIXTURE.segmentId}"]}`;
  if (operation.template.startsWith('/v1/insights/'))
    return `{"rule":{"var":"tags.${FIXTURE.booleanTagId}"}}`;
  if (operation.template === '/v1/campaigns')
    return `{"id":"bad-input-new-campaign","name":"x","audience":"${FIXTURE.segmentId}","channel":"sms","holdoutPercent":10}`;
  if (operation.template === '/v1/campaigns/{id}/outcomes')
    return `{"customerId":"${FIXTURE.customerId}","outcome":"converted","at":"2026-01-01T00:00:00Z"}\n`;
  return '{}';
}

// A request past the guard that still writes nothing: an unknown id, or a body the handler refuses.
export function harmlessRequest(operation: Operation): { path: string; body?: string } {
  const segments = benignSegments(operation);
  // An id no other request in the suite uses, so even a bug elsewhere cannot have created it.
  if (operation.template.startsWith('/v1/customers/{id}') && operation.method !== 'GET') {
    segments.id = 'BAD-INPUT-ABSENT';
  }
  const path = fillPath(operation.template, segments);
  if (!takesBody(operation)) return { path };
  if (isBatch(operation)) return { path, body: 'not json\n' };
  if (operation.template === '/v1/customers/tags:lookup')
    return { path, body: '{"customerIds":["BAD-INPUT-NOBODY"]}' };
  return { path, body: '[]' };
}
