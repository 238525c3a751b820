import { HEADLINE_SEGMENTS } from '@tagforge/catalog';
import type { Locator, Page, Request } from 'playwright-core';
import type { Deployment } from '../reliability/support/deployment';
import { HttpClient } from '../reliability/support/http-client';
import { say, waitFor } from '../reliability/support/scenario-kit';
import { BrowserSession } from './support/browser';
import type { ConsoleKeys } from './support/console-deployment';
import { closeConsoleFile, expectCleanScreens, openConsoleFile } from './support/console-file';

// Issue 17: "no screen issues more than a handful of requests to render". Each screen is opened by a
// fresh navigation (a reload: whoami included) with an admin key, so every panel a key can see is
// drawn, and the API requests it sends are counted until its content is shown and the network has
// been quiet for a moment. The figures are in docs/console.md.
const SCENARIO = 'console-requests';
const HANDFUL = 6;
// Quiet this long after the last API request: the screen asked everything it renders.
const SETTLED_MS = 1_000;

let deployment: Deployment | undefined;
let keys: ConsoleKeys;
let origin: string;
let session: BrowserSession;
let api: HttpClient;

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const result = method === 'GET' ? await api.get(path) : await api.post(path, body);
  if (result.status < 200 || result.status > 299) {
    throw new Error(`${method} ${path}: ${result.status} ${JSON.stringify(result.body)}`);
  }
  return result.body as T;
}

// The API requests (not the bundle's files) a screen sends from its navigation until `ready` is
// visible, no request is in flight, no spinner turns, and nothing new was asked for SETTLED_MS.
async function requestsToRender(page: Page, path: string, ready: (page: Page) => Locator[]) {
  const sent: string[] = [];
  // Requests, not a counter: the previous page's requests end (aborted) after this one began.
  const inFlight = new Set<Request>();
  let lastActivity = Date.now();
  const isApi = (request: Request) => new URL(request.url()).pathname.startsWith('/v1/');
  const onRequest = (request: Request) => {
    if (!isApi(request)) return;
    sent.push(
      `${request.method()} ${decodeURIComponent(new URL(request.url()).pathname + new URL(request.url()).search)}`,
    );
    inFlight.add(request);
    lastActivity = Date.now();
  };
  const onDone = (request: Request) => {
    if (!inFlight.delete(request)) return;
    lastActivity = Date.now();
  };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    await page.goto(`${origin}/console${path}`);
    for (const marker of ready(page)) await marker.waitFor();
    await waitFor(
      `${path} settled`,
      20_000,
      async () => {
        const spinning = await page.locator('.ant-spin-spinning, .ant-skeleton-active').count();
        return inFlight.size === 0 && spinning === 0 && Date.now() - lastActivity >= SETTLED_MS
          ? true
          : undefined;
      },
      100,
    );
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
  return sent;
}

beforeAll(async () => {
  ({ deployment, keys, origin, session, api } = await openConsoleFile(SCENARIO, (all) => all.admin));
});

afterAll(() => closeConsoleFile({ deployment, session, api }));

afterEach(() => expectCleanScreens(session));

test(`every screen renders with at most ${HANDFUL} API requests`, async () => {
  // What the screens show when they are in use: sandbox runs that tried three tags, a draft waiting
  // for a checker (the review screen lists it), a campaign with its report.
  const tried = ['low_risk', 'high_intent', 'opted_out'];
  const definitions = await Promise.all(
    tried.map(async (id) => {
      const detail = await call<{ active: Record<string, unknown> }>('GET', `/v1/tags/${id}`);
      const { version: _version, activatedAt: _activatedAt, $schema: _schema, ...definition } = detail.active;
      return definition;
    }),
  );
  const sandbox = await call<{ runId: string }>('POST', '/v1/sandbox/runs', {
    definitions,
    population: 'all',
  });
  await waitFor('the sandbox run', 60_000, async () => {
    const run = await call<{ status: string }>('GET', `/v1/sandbox/runs/${sandbox.runId}`);
    return run.status === 'succeeded' ? true : undefined;
  });
  const draft = await call<{ version: number }>('POST', '/v1/tags', {
    ...definitions[0],
    description: 'A draft for the review list to show.',
  });
  await call('POST', '/v1/campaigns', {
    id: 'requests-campaign',
    name: 'Requests per screen',
    audience: 'low_risk_customers',
    channel: 'sms',
    holdoutPercent: 20,
  });
  const member = await call<{ items: { customerId: string }[] }>(
    'GET',
    '/v1/segments/low_risk_customers/members?limit=1',
  );
  const customerId = member.items[0].customerId;
  const segments = await call<{ items: { id: string }[] }>('GET', '/v1/segments');
  const headline = HEADLINE_SEGMENTS.filter((id) => segments.items.some((segment) => segment.id === id));
  expect(headline.length).toBeGreaterThan(0);

  const page = session.page;
  await page.goto(`${origin}/console/`);
  await page.getByLabel('API key').fill(keys.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('identity').waitFor();

  const screens: { screen: string; path: string; ready: (page: Page) => Locator[] }[] = [
    {
      screen: 'overview',
      path: '/',
      ready: (p) => [...headline.map((id) => p.getByTestId(`trend-${id}`)), p.getByTestId('ops-lag')],
    },
    {
      screen: 'catalog',
      path: '/catalog',
      ready: (p) => [p.locator('.ant-table-row').first()],
    },
    {
      screen: 'tag page',
      path: '/catalog/low_risk',
      ready: (p) => [p.getByTestId('rule-outline'), p.getByTestId('examples-summary')],
    },
    {
      screen: 'explorer',
      path: '/explorer/segment/low_risk_customers',
      ready: (p) => [
        p.getByTestId('audience-size'),
        p.getByTestId('members').locator('.ant-table-row').first(),
        p.getByTestId('explorer-trend'),
        p.getByTestId('ad-hoc'),
      ],
    },
    {
      screen: 'customer',
      path: `/customers/${customerId}`,
      ready: (p) => [p.getByTestId('customer-segments'), p.getByTestId('history')],
    },
    { screen: 'sandbox', path: '/sandbox', ready: (p) => [p.locator('.cm-content').first()] },
    {
      screen: 'review',
      path: '/review',
      ready: (p) => [p.getByTestId(`pending-${tried[0]}-${draft.version}`)],
    },
    { screen: 'campaigns', path: '/campaigns', ready: (p) => [p.getByTestId('campaigns')] },
    { screen: 'runs', path: '/runs', ready: (p) => [p.locator('.ant-table-row').first()] },
    { screen: 'audit', path: '/audit', ready: (p) => [p.locator('.ant-table-row').first()] },
  ];
  const counts: Record<string, number> = {};
  const sentBy: Record<string, string[]> = {};
  for (const { screen, path, ready } of screens) {
    const sent = await requestsToRender(page, path, ready);
    counts[screen] = sent.length;
    sentBy[screen] = sent;
    say(SCENARIO, `${screen}: ${sent.length} requests (${sent.join('; ')})`);
  }
  const tooMany = Object.entries(counts)
    .filter(([, count]) => count > HANDFUL)
    .map(([screen, count]) => `${screen}: ${count}: ${sentBy[screen].join('; ')}`);
  expect(tooMany).toEqual([]);
  // The review list comes in one request whatever the number of drafts (it was one per tag tried).
  expect([...sentBy.review].sort()).toEqual(['GET /v1/auth/whoami', 'GET /v1/tags:drafts']);
  // Each screen asked for something (so a count of 0 cannot pass for a cheap screen).
  expect(Object.values(counts).every((count) => count > 0)).toBe(true);
}, 300_000);
