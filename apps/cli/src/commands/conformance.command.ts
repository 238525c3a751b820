import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseNow, runConformance } from '@tagforge/rules';

const DEFAULT_NOW = '2026-01-01T00:00:00Z';

export function register(program: Command): void {
  program
    .command('conformance <file>')
    .description('run a JsonLogic test file ([rule, data, expected] cases) through the Tagforge rule engine')
    .option('--now <iso>', 'the instant the time operators measure from', DEFAULT_NOW)
    .action((file: string, options: { now: string }) => {
      const now = parseNow(options.now);
      const result = runConformance(JSON.parse(readFileSync(file, 'utf8')) as unknown, now);
      for (const line of result.failures) process.stdout.write(`${line}\n`);
      process.stdout.write(`${result.passed} passed, ${result.failed} failed\n`);
      if (result.failed > 0) process.exitCode = 1;
    });
}
