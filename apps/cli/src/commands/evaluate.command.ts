import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadDefinitionsFolder, loadJsonFile, readDefinitions, validateCatalog } from '@tagforge/catalog';
import { CatalogEvaluator } from '@tagforge/evaluation';
import { ProfileValidator } from '@tagforge/profile';
import { parseNow } from '@tagforge/rules';
import { formatProblem } from './validate.command';

export interface EvaluateOptions {
  definitions: string;
  profiles: string;
  schema?: string;
  now?: string;
}

export interface EvaluateIo {
  input: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

const PROGRESS_EVERY = 10_000;

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate every definition for each customer of an NDJSON file; writes NDJSON to stdout')
    .requiredOption('--definitions <dir>', 'definitions folder (every *.json except *.schema.json)')
    .requiredOption(
      '--profiles <file>',
      'NDJSON input, one {"customerId", "profile"} per line ("-" for stdin)',
    )
    .option(
      '--schema <file>',
      'profile JSON Schema (default: <definitions>/profile.schema.json; {} accepts any path)',
    )
    .option('--now <iso>', 'evaluation instant (default: the current time, printed to stderr)')
    .action(async (options: EvaluateOptions) => {
      // `tagctl ... | head`: the reader has gone, so stop quietly instead of failing on EPIPE.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        process.exit(0);
      });
      const input = options.profiles === '-' ? process.stdin : createReadStream(options.profiles);
      process.exitCode = await evaluateCommand(options, {
        input,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}

/**
 * Streams customers through the catalog: one output line per good input line, in input order. Bad lines
 * and per-tag errors go to stderr and never stop the run; an invalid catalog stops it before it starts.
 */
export async function evaluateCommand(options: EvaluateOptions, io: EvaluateIo): Promise<number> {
  const { stdout, stderr } = io;
  const files = loadDefinitionsFolder(options.definitions);
  const schema = loadJsonFile(options.schema ?? join(options.definitions, 'profile.schema.json'));
  // Evaluating needs sound rules; failing examples are `tagctl test`'s (and validate's) business.
  const { errors } = validateCatalog(files, schema, { examplesOf: () => false });
  if (errors.length > 0) {
    for (const problem of errors) stderr.write(`${formatProblem('error', problem)}\n`);
    stderr.write(`evaluate: ${errors.length} errors in ${options.definitions}; nothing evaluated\n`);
    return 1;
  }
  const evaluator = new CatalogEvaluator(
    readDefinitions(files).definitions.map(({ definition: { id, kind, rule } }) => ({ id, kind, rule })),
  );
  const profileValidator = new ProfileValidator(schema as object);
  let now: number;
  if (options.now === undefined) {
    now = Date.now();
    stderr.write(`evaluate: --now ${new Date(now).toISOString()}\n`);
  } else {
    now = parseNow(options.now);
  }

  const progress = stderr.isTTY === true;
  let lineNumber = 0;
  let evaluated = 0;
  let skipped = 0;
  let tagErrors = 0;
  for await (const line of createInterface({ input: io.input, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') {
      skipped += 1;
      stderr.write(`line ${lineNumber}: ${parsed}\n`);
      continue;
    }
    const problems = profileValidator.validate(parsed.profile);
    if (problems.length > 0) {
      skipped += 1;
      const details = problems.map((problem) => `${problem.pointer} ${problem.message}`).join('; ');
      stderr.write(`line ${lineNumber}: customer ${JSON.stringify(parsed.customerId)}: profile ${details}\n`);
      continue;
    }
    const result = evaluator.evaluateCustomer(parsed.profile, now);
    for (const error of result.errors) {
      tagErrors += 1;
      stderr.write(`customer ${JSON.stringify(parsed.customerId)}: tag ${error.tagId}: ${error.message}\n`);
    }
    if (!stdout.write(`${JSON.stringify({ customerId: parsed.customerId, tags: result.values })}\n`)) {
      await once(stdout, 'drain');
    }
    evaluated += 1;
    if (progress && evaluated % PROGRESS_EVERY === 0) stderr.write(`\revaluate: ${evaluated} customers`);
  }
  if (progress) stderr.write('\n');
  stderr.write(`evaluate: ${evaluated} customers, ${skipped} lines skipped, ${tagErrors} tag errors\n`);
  return 0;
}

// One input line of `{"customerId", "profile"}`, or why it is skipped (shared with diff).
export function parseLine(line: string): { customerId: string | number; profile: object } | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object';
  const { customerId, profile } = value as Record<string, unknown>;
  if (
    !(typeof customerId === 'string' && customerId !== '') &&
    !(typeof customerId === 'number' && Number.isFinite(customerId))
  ) {
    return 'customerId must be a non-empty string or a number';
  }
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile))
    return 'profile must be an object';
  return { customerId, profile };
}
