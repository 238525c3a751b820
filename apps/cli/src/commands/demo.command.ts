import type { Command } from 'commander';
import { syntheticProfiles } from '@tagforge/demo-data';
import { parseNow } from '@tagforge/rules';
import { ApiClient } from './api-client';

const BATCH_LINES = 5000;
const HEADLINE_SEGMENTS = [
  'high_intent_loan_demand',
  'low_risk_customers',
  'repeat_borrowers',
  'instant_approval_offer',
  'credit_line_increase',
  'dormant_win_back',
  'early_warning_watchlist',
  'do_not_market',
];

interface CustomerTags {
  profileVersion: number;
  evaluatedVersion: number;
  tags: { tagId: string; value: unknown }[];
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

export function register(program: Command): void {
  program
    .command('demo')
    .description('load a synthetic demo population into a running service and show its tags')
    .requiredOption('--api <url>', 'the API base URL', 'http://localhost:3000')
    .requiredOption('--key <key>', 'an API key with profiles:write and tags:read (admin)')
    .option('--customers <n>', 'how many customers', '2000')
    .option('--seed <s>', 'generator seed', '42')
    .option('--if-empty', 'do nothing when the first demo customer already exists')
    .option('--wait <seconds>', 'wait this long for the API to come up', '60')
    .action(
      async (options: {
        api: string;
        key: string;
        customers: string;
        seed: string;
        ifEmpty?: boolean;
        wait: string;
      }) => {
        const api = new ApiClient(options.api, options.key);
        const customers = Number(options.customers);
        if (!Number.isInteger(customers) || customers < 1)
          throw new Error('--customers must be a positive integer');
        await waitForApi(api, Number(options.wait) * 1000);
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
        const flush = async () => {
          await api.request('POST', '/v1/profiles:batch', `${lines.join('\n')}\n`, 'application/x-ndjson');
          lines = [];
        };
        const now = parseNow(new Date().toISOString());
        for (const record of syntheticProfiles({ customers, seed: Number(options.seed), now })) {
          lines.push(JSON.stringify(record));
          lastId = record.customerId;
          if (lines.length === BATCH_LINES) await flush();
        }
        if (lines.length > 0) await flush();
        process.stderr.write(`loaded ${customers} synthetic customers; waiting for their tags\n`);
        const deadline = Date.now() + 120_000;
        let sample: CustomerTags;
        do {
          await new Promise((resolve) => setTimeout(resolve, 500));
          sample = await api.request<CustomerTags>('GET', `/v1/customers/${lastId}/tags`);
        } while (sample.evaluatedVersion < sample.profileVersion && Date.now() < deadline);
        process.stdout.write(`\nheadline segments (members):\n`);
        for (const segment of HEADLINE_SEGMENTS) {
          const definition = await api.request<{ customers: number }>('GET', `/v1/tags/${segment}`);
          process.stdout.write(`  ${segment.padEnd(26)} ${definition.customers}\n`);
        }
        const first = await api.request<CustomerTags>('GET', '/v1/customers/C0000001/tags');
        process.stdout.write(`\nC0000001's tags:\n`);
        for (const tag of first.tags) process.stdout.write(`  ${tag.tagId} = ${JSON.stringify(tag.value)}\n`);
      },
    );
}
