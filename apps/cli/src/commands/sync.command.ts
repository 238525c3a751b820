import { join } from 'node:path';
import type { Command } from 'commander';
import { loadDefinitionsFolder, loadJsonFile, readDefinitions, validateCatalog } from '@tagforge/catalog';
import { ApiClient } from './api-client';

interface SyncReport {
  activated: { tagId: string; version: number }[];
  unchanged: number;
  runId: string | null;
}

export function register(program: Command): void {
  program
    .command('sync [dir]')
    .description('push a definitions folder to a running service: new or changed definitions become active')
    .requiredOption('--api <url>', 'the API base URL, e.g. http://localhost:3000')
    .requiredOption('--key <key>', 'an API key with the definitions:write scope')
    .action(async (dir: string | undefined, options: { api: string; key: string }) => {
      const folder = dir ?? 'tag-definitions';
      const files = loadDefinitionsFolder(folder);
      // Refuse locally first: the same checks as `tagctl validate`, with file names in the messages.
      const validation = validateCatalog(files, loadJsonFile(join(folder, 'profile.schema.json')));
      for (const problem of validation.errors) {
        process.stderr.write(
          `error ${problem.file} ${problem.pointer} ${problem.code}: ${problem.message}\n`,
        );
      }
      if (validation.errors.length > 0) {
        process.exitCode = 1;
        return;
      }
      const definitions = readDefinitions(files).definitions.map((loaded) => loaded.definition);
      const report = await new ApiClient(options.api, options.key).request<SyncReport>(
        'POST',
        '/v1/tags:sync',
        JSON.stringify({ definitions }),
      );
      for (const entry of report.activated)
        process.stdout.write(`activated ${entry.tagId} version ${entry.version}\n`);
      process.stdout.write(
        `${report.activated.length} activated, ${report.unchanged} unchanged` +
          (report.runId ? `; backfill run ${report.runId}\n` : '\n'),
      );
    });
}
