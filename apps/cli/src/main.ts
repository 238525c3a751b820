#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { register as registerConformance } from './commands/conformance.command';
import { register as registerKeys } from './commands/keys.command';
import { register as registerMigrate } from './commands/migrate.command';

// tagctl: every command lives in ./commands/<name>.command.ts and exports `register(program)`.
// Commands that need no database (validate, test, evaluate, conformance, ...) never import one.
const program = new Command('tagctl').description('Tagforge command line').showHelpAfterError();

// registrations:
registerConformance(program);
registerMigrate(program);
registerKeys(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tagctl: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
