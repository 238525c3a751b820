import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { syntheticProfiles, writeNdjson } from '@tagforge/demo-data';
import { parseNow } from '@tagforge/rules';

export interface GenerateOptions {
  customers: string;
  seed: string;
  now: string;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('write synthetic customer profiles as NDJSON to stdout (deterministic per seed)')
    .requiredOption('--customers <n>', 'how many customers')
    .requiredOption('--seed <s>', 'seed: the same seed gives the same customers')
    .option('--now <iso>', 'instant every date is relative to', '2026-01-01T00:00:00Z')
    .action(async (options: GenerateOptions) => {
      // `tagctl ... | head`: the reader has gone, so stop quietly instead of failing on EPIPE.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        process.exit(0);
      });
      await generateCommand(options, process.stdout);
    });
}

export async function generateCommand(options: GenerateOptions, out: Writable): Promise<number> {
  const customers = wholeNumber('--customers', options.customers);
  const seed = wholeNumber('--seed', options.seed);
  return writeNdjson(syntheticProfiles({ customers, seed, now: parseNow(options.now) }), out);
}

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new Error(`${name} must be a whole number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
