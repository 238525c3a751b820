import { join } from 'node:path';
import type { Command } from 'commander';
import {
  definitionChecksum,
  definitionDrift,
  driftSummary,
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  validateCatalog,
} from '@tagforge/catalog';
import { ApiClient } from './api-client';

interface SyncReport {
  activated: { tagId: string; version: number }[];
  drafts: { tagId: string; version: number }[];
  unchanged: number;
  runId: string | null;
  changeSet: { id: string; status: string } | null;
}

export function register(program: Command): void {
  program
    .command('sync [dir]')
    .description(
      'push a definitions folder to a running service: new or changed definitions become active, or ' +
        'under maker-checker drafts in one change set awaiting approval; --check only reports drift',
    )
    .requiredOption('--api <url>', 'the API base URL, e.g. http://localhost:3000')
    .requiredOption('--key <key>', 'an API key with the definitions:write scope (tags:read for --check)')
    .option('--check', 'compare the folder with the live catalog and exit 1 when they differ; change nothing')
    .action(async (dir: string | undefined, options: { api: string; key: string; check?: boolean }) => {
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
      const client = new ApiClient(options.api, options.key);
      if (options.check) {
        const live = await client.request<{ items: { id: string; checksum: string; version: number }[] }>(
          'GET',
          '/v1/tags',
        );
        const drift = definitionDrift(
          definitions.map((definition) => ({ id: definition.id, checksum: definitionChecksum(definition) })),
          live.items,
        );
        for (const entry of drift)
          if (entry.state !== 'same') process.stdout.write(`${entry.state} ${entry.id}\n`);
        const summary = driftSummary(drift);
        process.stdout.write(
          `${summary.same} same, ${summary.changed} changed, ${summary['only-in-folder']} only in the folder, ` +
            `${summary['only-live']} only live\n`,
        );
        process.exitCode = summary.same === drift.length ? 0 : 1;
        return;
      }
      const report = await client.request<SyncReport>(
        'POST',
        '/v1/tags:sync',
        JSON.stringify({ definitions }),
      );
      for (const entry of report.activated)
        process.stdout.write(`activated ${entry.tagId} version ${entry.version}\n`);
      for (const entry of report.drafts)
        process.stdout.write(`draft ${entry.tagId} version ${entry.version}\n`);
      process.stdout.write(
        `${report.activated.length} activated, ${report.drafts.length} drafted, ${report.unchanged} unchanged` +
          (report.runId ? `; backfill run ${report.runId}` : '') +
          (report.changeSet
            ? `; change set ${report.changeSet.id} (${report.changeSet.status}) awaits approval by another key`
            : '') +
          '\n',
      );
    });
}
