import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type CatalogProblem, loadDefinitionsFolder, loadJsonFile, validateCatalog } from '@tagforge/catalog';

export interface ValidateOptions {
  // Defaults to <dir>/profile.schema.json.
  schema?: string;
}

export function register(program: Command): void {
  program
    .command('validate [dir]')
    .description(
      'check every definition under dir: file format, rules, purposes, references, cycles, examples',
    )
    .option('--schema <file>', 'profile JSON Schema (default: <dir>/profile.schema.json)')
    .action((dir: string | undefined, options: ValidateOptions) => {
      process.exitCode = validateCommand(dir ?? 'tag-definitions', options, process.stdout);
    });
}

/** Prints one line per problem and a summary; returns the exit code (1 when there are errors). */
export function validateCommand(dir: string, options: ValidateOptions, out: Writable): number {
  const files = loadDefinitionsFolder(dir);
  const schema = loadJsonFile(options.schema ?? join(dir, 'profile.schema.json'));
  const { errors, warnings } = validateCatalog(files, schema);
  for (const problem of errors) out.write(`${formatProblem('error', problem)}\n`);
  for (const problem of warnings) out.write(`${formatProblem('warning', problem)}\n`);
  out.write(`${files.length} definitions: ${errors.length} errors, ${warnings.length} warnings\n`);
  return errors.length > 0 ? 1 : 0;
}

/** `error <file> <pointer> <code>: <message>`; the whole file is the pointer "". */
export function formatProblem(level: 'error' | 'warning', problem: CatalogProblem): string {
  return `${level} ${problem.file} ${problem.pointer === '' ? '""' : problem.pointer} ${problem.code}: ${problem.message}`;
}
