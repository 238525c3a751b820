import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { BenchEnvironment, argument, commonOptions, positiveInteger, progress } from './api-environment';
import { HEADLINE, loadInsightsPopulation } from './insights-population';

// The console's first screen against a large population, in the browser: how long after sign-in, and
// after a reload of a signed-in tab, the overview is interactive — every headline segment's size
// shown and the next frame painted — and how long until every 30-day sparkline is drawn, timed in the page. The
// population is bench:insights' (test/bench/insights-population.ts: SQL, not the pipeline), in a
// database of its own; --reuse keeps one loaded before. The API is started from dist/ (npm run build
// first) and serves dist/console; headless Chromium (/usr/bin/chromium, or CONSOLE_CHROMIUM).
// Usage:
//   npm run bench:console -- [--customers 1000000] [--distinct 100000] [--reuse] [--runs 5] [--seed 42]
//     [--database-url postgres://postgres@127.0.0.1:5432/console_bench_tti]
// Progress goes to stderr; the last line of stdout is one JSON object.

const CHROMIUM = process.env.CONSOLE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

interface Timing {
  sizesMs: number;
  interactiveMs: number;
  sparklinesMs: number;
  domInteractiveMs: number;
  requests: number;
  // When the steps the sizes wait on finished, ms after the navigation started (a reload only).
  path?: Record<string, number>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Timed inside the page, every frame, so that no round trip of the driver adds to a figure: when
// every headline card shows its size, when the next frame was painted after that (the main thread
// is free to take input: interactive), and when every card's sparkline has its canvas. Installed
// before the page's own scripts on every navigation; performance.now() counts from the navigation.
const PAGE_PROBE = `
  window.__overview = {};
  const check = () => {
    const at = window.__overview;
    const cards = [...document.querySelectorAll('[data-testid^="segment-"]')];
    if (at.sizes === undefined && cards.length > 0 &&
        cards.every((card) => card.querySelector('.ant-statistic-content-value'))) {
      at.sizes = performance.now();
      at.cards = cards.length;
      requestAnimationFrame(() => { at.interactive = performance.now(); });
    }
    if (at.sizes !== undefined && at.sparklines === undefined &&
        cards.every((card) => card.querySelector('[data-testid^="trend-"] canvas'))) {
      at.sparklines = performance.now();
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
`;

interface PageMarks {
  sizes: number;
  interactive: number;
  sparklines: number;
  cards: number;
}

// What the functions evaluated in the page read (this file is type-checked without the DOM lib; the
// console's Content-Security-Policy forbids evaluating strings, so these are functions).
interface PageGlobals {
  __overview: Partial<PageMarks>;
  performance: {
    now(): number;
    getEntriesByType(type: string): { name: string; responseEnd: number; domInteractive: number }[];
  };
  document: { querySelector(selector: string): { click(): void } | null };
}
async function marks(page: Page): Promise<PageMarks> {
  await page.waitForFunction(
    () => {
      const at = (globalThis as unknown as PageGlobals).__overview;
      return at.interactive !== undefined && at.sparklines !== undefined;
    },
    undefined,
    { timeout: 60_000 },
  );
  return (await page.evaluate(() => (globalThis as unknown as PageGlobals).__overview)) as PageMarks;
}

// The steps the sizes wait on, ms after the navigation started: the entry script, whoami (which
// screens the key opens), GET /v1/segments (the sizes), and the last of the 8 size series.
async function criticalPath(page: Page): Promise<Record<string, number>> {
  const entries = await page.evaluate(() =>
    (globalThis as unknown as PageGlobals).performance
      .getEntriesByType('resource')
      .map((entry) => ({ name: entry.name, end: Math.round(entry.responseEnd) })),
  );
  const end = (pattern: RegExp) =>
    Math.max(-1, ...entries.filter((entry) => pattern.test(entry.name)).map((entry) => entry.end));
  return {
    entryScript: end(/\/console\/assets\/index-[^/]+\.js$/),
    whoami: end(/\/v1\/auth\/whoami$/),
    segments: end(/\/v1\/segments$/),
    lastSizes: end(/\/sizes\?/),
  };
}

async function main(): Promise<void> {
  const customers = positiveInteger('--customers', 1_000_000);
  const distinct = positiveInteger('--distinct', 100_000);
  const runs = positiveInteger('--runs', 5);
  const seed = positiveInteger('--seed', 42);
  const reuse = process.argv.includes('--reuse');
  const options = {
    ...commonOptions(),
    databaseUrl: argument('--database-url') ?? 'postgres://postgres@127.0.0.1:5432/console_bench_tti',
  };
  const environment = await BenchEnvironment.start(options, !reuse);
  const profileDir = mkdtempSync(join(tmpdir(), 'tagforge-console-bench-'));
  try {
    // Nothing evaluates while the page is measured (the loaded profiles have no evaluation job).
    await environment.stopWorker();
    const { rows } = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customer_profile WHERE version > 0`,
    );
    let loading: Awaited<ReturnType<typeof loadInsightsPopulation>> | null = null;
    if (rows[0].n !== customers) {
      if (reuse)
        throw new Error(`the database holds ${rows[0].n} customers, not ${customers}: run without --reuse`);
      loading = await loadInsightsPopulation(environment, customers, distinct, seed, Date.now());
      progress(
        `loaded in ${loading.loadSeconds.toFixed(1)} s (evaluation ${loading.evaluateSeconds.toFixed(1)} s)`,
      );
    }
    const origin = environment.http.baseUrl;
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 860 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(60_000);
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    let fetched: string[] = [];
    page.on('request', (request) => {
      if (['fetch', 'xhr'].includes(request.resourceType())) fetched.push(new URL(request.url()).pathname);
    });

    // Sign-in: from the click on "Sign in" (in the page) to the overview interactive.
    await page.addInitScript({ content: PAGE_PROBE });
    await page.goto(`${origin}/console/`);
    await page.getByLabel('API key').fill(environment.http.apiKey);
    fetched = [];
    const clickedAt = await page.evaluate(() => {
      const browser = globalThis as unknown as PageGlobals;
      browser.__overview = {};
      browser.document.querySelector('button[type="submit"]')?.click();
      return browser.performance.now();
    });
    const signInMarks = await marks(page);
    const signIn: Timing = {
      sizesMs: Math.round(signInMarks.sizes - clickedAt),
      interactiveMs: Math.round(signInMarks.interactive - clickedAt),
      sparklinesMs: Math.round(signInMarks.sparklines - clickedAt),
      domInteractiveMs: -1,
      requests: fetched.length,
    };
    const signInRequests = [...fetched];
    progress(
      `sign-in → sizes ${signIn.sizesMs} ms, interactive ${signIn.interactiveMs} ms, sparklines ${signIn.sparklinesMs} ms, ${signIn.requests} requests, ${signInMarks.cards} cards`,
    );

    // A signed-in tab reloaded: from the navigation to the overview interactive, `runs` times.
    const reloads: Timing[] = [];
    for (let run = 0; run < runs; run += 1) {
      fetched = [];
      await page.reload();
      const at = await marks(page);
      const domInteractiveMs = await page.evaluate(() =>
        Math.round(
          (globalThis as unknown as PageGlobals).performance.getEntriesByType('navigation')[0].domInteractive,
        ),
      );
      const timing: Timing = {
        sizesMs: Math.round(at.sizes),
        interactiveMs: Math.round(at.interactive),
        sparklinesMs: Math.round(at.sparklines),
        domInteractiveMs,
        requests: fetched.length,
        path: await criticalPath(page),
      };
      reloads.push(timing);
      progress(
        `reload ${run + 1}: sizes ${timing.sizesMs} ms, interactive ${timing.interactiveMs} ms, sparklines ${timing.sparklinesMs} ms (domInteractive ${timing.domInteractiveMs} ms), ${timing.requests} requests, ${JSON.stringify(timing.path)}`,
      );
    }
    await context.close();

    // The API's own time for each kind of request the overview makes, one at a time, for the record.
    const api: Record<string, number> = {};
    for (const path of [
      '/v1/auth/whoami',
      '/v1/segments',
      '/v1/tags',
      '/v1/runs',
      `/v1/audiences/${HEADLINE[0]}/sizes`,
      '/v1/ops/status',
    ]) {
      const times: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const started = performance.now();
        await environment.http.expect(200, 'GET', path);
        times.push(performance.now() - started);
      }
      api[path] = Math.round(median(times) * 10) / 10;
    }
    const summary = {
      customers,
      runs,
      loading,
      signIn,
      signInRequests,
      reload: {
        sizesMs: median(reloads.map((timing) => timing.sizesMs)),
        interactiveMs: median(reloads.map((timing) => timing.interactiveMs)),
        sparklinesMs: median(reloads.map((timing) => timing.sparklinesMs)),
        domInteractiveMs: median(reloads.map((timing) => timing.domInteractiveMs)),
        requests: median(reloads.map((timing) => timing.requests)),
        path: Object.fromEntries(
          Object.keys(reloads[0].path ?? {}).map((step) => [
            step,
            median(reloads.map((timing) => timing.path?.[step] ?? -1)),
          ]),
        ),
        all: reloads,
      },
      apiMedianMs: api,
      consoleErrors: errors,
    };
    progress(
      `overview interactive: ${signIn.interactiveMs} ms after sign-in, median ${summary.reload.interactiveMs} ms after a reload (goal ≤ 2000 ms)`,
    );
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    await environment.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
