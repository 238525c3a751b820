import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  bankMarketingLabels,
  bankMarketingProfiles,
  uciCreditCardLabels,
  uciCreditCardProfiles,
  writeNdjson,
} from '@tagforge/demo-data';
import { parseNow } from '@tagforge/rules';

export interface LoadDatasetOptions {
  source: string;
  file: string;
  now: string;
  // Write the labels ({customerId, label}) instead of the profiles.
  labels?: boolean;
}

const SOURCES = {
  uci: uciCreditCardProfiles,
  bank: bankMarketingProfiles,
} as const;

const LABELS = {
  uci: uciCreditCardLabels,
  bank: bankMarketingLabels,
} as const;

export function register(program: Command): void {
  program
    .command('load-dataset')
    .description(
      'map a public dataset (UCI credit card clients, UCI bank marketing) onto profiles, as NDJSON',
    )
    .requiredOption('--source <uci|bank>', 'uci: UCI_Credit_Card.csv; bank: bank-full.csv')
    .requiredOption('--file <csv>', 'the CSV file')
    .option(
      '--now <iso>',
      'the snapshot instant: ages and day counts are relative to it',
      '2026-01-01T00:00:00Z',
    )
    .option(
      '--labels',
      'write each customer\'s label {"customerId", "label": 0 | 1} instead (for tagctl train)',
    )
    .action(async (options: LoadDatasetOptions) => {
      // `tagctl ... | head`: the reader has gone, so stop quietly instead of failing on EPIPE.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        process.exit(0);
      });
      await loadDatasetCommand(options, createReadStream(options.file), process.stdout);
    });
}

export async function loadDatasetCommand(
  options: LoadDatasetOptions,
  input: Readable,
  out: Writable,
): Promise<number> {
  if (!(options.source in SOURCES)) {
    throw new Error(
      `--source must be one of ${Object.keys(SOURCES).join(', ')}, got ${JSON.stringify(options.source)}`,
    );
  }
  const source = options.source as keyof typeof SOURCES;
  if (options.labels === true) return writeNdjson(LABELS[source](input), out);
  return writeNdjson(SOURCES[source](input, parseNow(options.now)), out);
}
