import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { catalogMarkdownTable, loadDefinitionsFolder, readDefinitions } from '@tagforge/catalog';
import { formatProblem } from './validate.command';

export function register(program: Command): void {
  program
    .command('catalog [dir]')
    .description(
      'print a Markdown table of every definition under dir (id, kind, purpose, category, name, description)',
    )
    .action((dir: string | undefined) => {
      process.exitCode = catalogCommand(dir ?? 'tag-definitions', process.stdout, process.stderr);
    });
}

export function catalogCommand(dir: string, out: Writable, err: Writable): number {
  const { definitions, errors } = readDefinitions(loadDefinitionsFolder(dir));
  if (errors.length > 0) {
    for (const problem of errors) err.write(`${formatProblem('error', problem)}\n`);
    return 1;
  }
  out.write(catalogMarkdownTable(definitions.map(({ definition }) => definition)));
  return 0;
}
