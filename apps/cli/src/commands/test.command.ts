import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  type ExampleResult,
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  runExamples,
} from '@tagforge/catalog';

export interface TestOptions {
  schema?: string;
}

export function register(program: Command): void {
  program
    .command('test [dir]')
    .description("run the examples inside every definition under dir (each definition's unit tests)")
    .option('--schema <file>', 'profile JSON Schema (default: <dir>/profile.schema.json)')
    .action((dir: string | undefined, options: TestOptions) => {
      process.exitCode = testCommand(dir ?? 'tag-definitions', options, process.stdout);
    });
}

/** Prints each failure, then `N passed, M failed` as the last line; returns 1 when anything failed. */
export function testCommand(dir: string, options: TestOptions, out: Writable): number {
  const files = loadDefinitionsFolder(dir);
  const schema = loadJsonFile(options.schema ?? join(dir, 'profile.schema.json'));
  // A file that is not a valid definition has examples nobody can run: that is a failure too.
  const unreadable = new Set(readDefinitions(files).errors.map((problem) => problem.file));
  for (const file of unreadable) out.write(`FAIL ${file}: not a valid definition (run tagctl validate)\n`);
  const results = runExamples(files, schema);
  for (const result of results) if (!result.passed) out.write(`${describeFailure(result)}\n`);
  const passed = results.filter((result) => result.passed).length;
  const failed = results.length - passed + unreadable.size;
  out.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

function describeFailure(result: ExampleResult): string {
  const where = `FAIL ${result.file} /examples/${result.index} ${result.id} "${result.name}"`;
  if (result.error !== undefined) return `${where}: ${result.error}`;
  return `${where}: expected ${JSON.stringify(result.expected)}, got ${JSON.stringify(result.actual)}`;
}
