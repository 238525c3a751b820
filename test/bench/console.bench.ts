import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { BenchEnvironment, argument, commonOptions, positiveInteger, progress } from './api-environment';
import { HEADLINE, loadInsightsPopulation } from './insights-population';

// The console's first screen against a large population, in the browser: how long after sign-in, and
// after a reload of a signed-in tab, the overview is interactive — every headline segment's size
// shown and the page answering a frame — and how long until every 30-day sparkline is drawn. The
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
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function shownSegments(page: Page): Promise<string[]> {
  const ids: string[] = [];
  for (const id of HEADLINE) if ((await page.getByTestId(`segment-${id}`).count()) > 0) ids.push(id);
  return ids;
}

// From `started` (ms, Date.now()): every headline size shown, then a frame answered (the main thread
// is free to handle input), then every sparkline drawn (a canvas in each trend).
async function overviewTiming(page: Page, started: number, requests: () => number): Promise<Timing> {
  await page.locator('[data-testid^="segment-"] .ant-statistic-content-value').first().waitFor();
  const ids = await shownSegments(page);
  for (const id of ids)
    await page.getByTestId(`segment-${id}`).locator('.ant-statistic-content-value').waitFor();
  const sizesMs = Date.now() - started;
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        (
          globalThis as unknown as { requestAnimationFrame(callback: () => void): void }
        ).requestAnimationFrame(() => resolve()),
      ),
  );
  const interactiveMs = Date.now() - started;
  for (const id of ids)
    await page.getByTestId(`trend-${id}`).locator('canvas').first().waitFor({ timeout: 60_000 });
  const sparklinesMs = Date.now() - started;
  const domInteractiveMs = await page.evaluate(() => {
    const navigation = (
      globalThis as unknown as {
        performance: { getEntriesByType(type: string): { domInteractive: number }[] };
      }
    ).performance.getEntriesByType('navigation')[0];
    return Math.round(navigation?.domInteractive ?? -1);
  });
  return { sizesMs, interactiveMs, sparklinesMs, domInteractiveMs, requests: requests() };
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

    // Sign-in: from the click on "Sign in" to the overview interactive.
    await page.goto(`${origin}/console/`);
    await page.getByLabel('API key').fill(environment.http.apiKey);
    fetched = [];
    const clicked = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    const signIn = await overviewTiming(page, clicked, () => fetched.length);
    const signInRequests = [...fetched];
    progress(
      `sign-in → sizes ${signIn.sizesMs} ms, interactive ${signIn.interactiveMs} ms, sparklines ${signIn.sparklinesMs} ms, ${signIn.requests} requests`,
    );

    // A signed-in tab reloaded: from the navigation to the overview interactive, `runs` times.
    const reloads: Timing[] = [];
    for (let run = 0; run < runs; run += 1) {
      fetched = [];
      const started = Date.now();
      await page.reload({ waitUntil: 'commit' });
      const timing = await overviewTiming(page, started, () => fetched.length);
      reloads.push(timing);
      progress(
        `reload ${run + 1}: sizes ${timing.sizesMs} ms, interactive ${timing.interactiveMs} ms, sparklines ${timing.sparklinesMs} ms (domInteractive ${timing.domInteractiveMs} ms), ${timing.requests} requests`,
      );
    }
    await context.close();

    // The API's own time for the overview's two slowest kinds of request, for the record.
    const api: Record<string, number> = {};
    for (const path of ['/v1/segments', `/v1/audiences/${HEADLINE[0]}/sizes`, '/v1/ops/status']) {
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
