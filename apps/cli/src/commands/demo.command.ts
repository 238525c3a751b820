import type { Command } from 'commander';
import { loadConfig } from '@tagforge/common';
import { DEMO_DATASETS, isDemoDataset, syntheticProfiles } from '@tagforge/demo-data';
import { parseNow } from '@tagforge/rules';
import { ApiClient, ApiError } from './api-client';
import { HEADLINE_SEGMENTS } from '@tagforge/catalog';
import { loadDataset, markdownReport, reportRows } from './demo-dataset';

const BATCH_LINES = 5000;

interface CustomerTags {
  profileVersion: number;
  evaluatedVersion: number;
  tags: { tagId: string; value: unknown }[];
}

interface BatchReport {
  lines: number;
  ok: number;
  failed: number;
  results: { line: number; status: string; error?: { message?: string } }[];
}

interface DemoOptions {
  api?: string;
  key: string;
  customers: string;
  seed: string;
  ifEmpty?: boolean;
  wait: string;
  neverFail?: boolean;
  dataset?: string;
  file?: string;
  reportOnly?: boolean;
}

async function waitForApi(api: ApiClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await api.request('GET', '/v1/tags');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// The API this machine runs: the port it listens on comes from the same configuration (PORT).
export function defaultApiUrl(): string {
  return `http://127.0.0.1:${loadConfig().PORT}`;
}

async function sendBatch(api: ApiClient, lines: string[]): Promise<BatchReport> {
  try {
    return await api.request<BatchReport>(
      'POST',
      '/v1/profiles:batch',
      `${lines.join('\n')}\n`,
      'application/x-ndjson',
    );
  } catch (error) {
    // Every line refused: the catalog's profile schema is not the one the demo profiles are made for.
    if (error instanceof ApiError && error.status === 422) {
      const first = (error.error?.details as { error?: { message?: string } }[] | undefined)?.[0];
      throw new Error(
        `this catalog's profile.schema.json refuses the demo profiles (${first?.error?.message ?? error.error?.message}); nothing was loaded`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function runDemo(options: DemoOptions): Promise<void> {
  const api = new ApiClient(options.api ?? defaultApiUrl(), options.key);
  const customers = Number(options.customers);
  if (!Number.isInteger(customers) || customers < 1)
    throw new Error('--customers must be a positive integer');
  await waitForApi(api, Number(options.wait) * 1000);
  if (options.dataset !== undefined) {
    if (!isDemoDataset(options.dataset)) {
      throw new Error(
        `--dataset must be one of ${Object.keys(DEMO_DATASETS).join(', ')}, got ${JSON.stringify(options.dataset)}`,
      );
    }
    const dataset = DEMO_DATASETS[options.dataset];
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const campaignId = options.reportOnly
      ? dataset.campaign.id
      : await loadDataset(api, dataset, options.file ?? dataset.file, log);
    process.stdout.write(
      `\n${dataset.outcome} by headline segment and category tag, campaign ${campaignId}:\n\n${markdownReport(dataset.outcome, await reportRows(api, campaignId, dataset.outcome))}`,
    );
    return;
  }
  if (options.ifEmpty) {
    const existing = await api.request('GET', '/v1/customers/C0000001/tags').then(
      () => true,
      () => false,
    );
    if (existing) {
      process.stderr.write('demo data already loaded\n');
      return;
    }
  }
  let lines: string[] = [];
  let lastId = '';
  let loaded = 0;
  let refused: BatchReport['results'][number] | undefined;
  const flush = async () => {
    const report = await sendBatch(api, lines);
    loaded += report.ok;
    refused ??= report.results.find((result) => result.status === 'error');
    lines = [];
  };
  const now = parseNow(new Date().toISOString());
  for (const record of syntheticProfiles({ customers, seed: Number(options.seed), now })) {
    lines.push(JSON.stringify(record));
    lastId = record.customerId;
    if (lines.length === BATCH_LINES) await flush();
  }
  if (lines.length > 0) await flush();
  process.stderr.write(`loaded ${loaded} synthetic customers; waiting for their tags\n`);
  if (refused) {
    process.stderr.write(
      `${customers - loaded} demo profiles were refused by this catalog's profile schema (line ${refused.line}: ${refused.error?.message})\n`,
    );
  }
  const deadline = Date.now() + 120_000;
  let sample: CustomerTags | undefined;
  do {
    await new Promise((resolve) => setTimeout(resolve, 500));
    sample = await api.request<CustomerTags>('GET', `/v1/customers/${lastId}/tags`).catch(() => undefined);
  } while (sample !== undefined && sample.evaluatedVersion < sample.profileVersion && Date.now() < deadline);

  const { items } = await api.request<{ items: { id: string; size: number }[] }>('GET', '/v1/segments');
  const sizes = new Map(items.map((segment) => [segment.id, segment.size]));
  const shown = HEADLINE_SEGMENTS.filter((segment) => sizes.has(segment));
  const missing = HEADLINE_SEGMENTS.filter((segment) => !sizes.has(segment));
  if (missing.length > 0) {
    process.stderr.write(`skipped headline segments this catalog does not define: ${missing.join(', ')}\n`);
  }
  if (shown.length > 0) {
    process.stdout.write(`\nheadline segments (members):\n`);
    for (const segment of shown) process.stdout.write(`  ${segment.padEnd(26)} ${sizes.get(segment)}\n`);
  }
  const first = await api.request<CustomerTags>('GET', '/v1/customers/C0000001/tags').catch(() => undefined);
  if (first) {
    process.stdout.write(`\nC0000001's tags:\n`);
    for (const tag of first.tags) process.stdout.write(`  ${tag.tagId} = ${JSON.stringify(tag.value)}\n`);
  }
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'load a synthetic demo population (or a public dataset with its outcomes) into a running service and show its tags',
    )
    .option('--api <url>', 'the API base URL (default: http://127.0.0.1 on PORT, where the API listens)')
    .requiredOption('--key <key>', 'an API key with profiles:write and tags:read (admin)')
    .option('--customers <n>', 'how many customers', '2000')
    .option('--seed <s>', 'generator seed', '42')
    .option('--if-empty', 'do nothing when the first demo customer already exists')
    .option(
      '--dataset <name>',
      'load a public dataset instead (bank-marketing, uci-credit-card): profiles without their outcome, then the outcome on one campaign, and print the report',
    )
    .option('--file <csv>', "the dataset's CSV (default: its copy in test/fixtures/datasets)")
    .option('--report-only', 'with --dataset: only print the report of a dataset loaded before')
    .option('--wait <seconds>', 'wait this long for the API to come up', '60')
    .option(
      '--never-fail',
      'report a failure in one line and exit 0 (npm start: a failed demo must not stop the API or the worker)',
    )
    .action(async (options: DemoOptions) => {
      try {
        await runDemo(options);
      } catch (error) {
        if (!options.neverFail) throw error;
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        process.stderr.write(`demo skipped: ${message} (the API and the worker keep running)\n`);
      }
    });
}
