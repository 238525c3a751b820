#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { register as registerConformance } from './commands/conformance.command';
import { register as registerKeys } from './commands/keys.command';
import { register as registerMigrate } from './commands/migrate.command';
import { register as registerSync } from './commands/sync.command';
import { register as registerDemo } from './commands/demo.command';
import { register as registerValidate } from './commands/validate.command';
import { register as registerTest } from './commands/test.command';
import { register as registerEvaluate } from './commands/evaluate.command';
import { register as registerDiff } from './commands/diff.command';
import { register as registerCatalog } from './commands/catalog.command';
import { register as registerGenerate } from './commands/generate.command';
import { register as registerLoadDataset } from './commands/load-dataset.command';
import { register as registerTrain } from './commands/train.command';
import { register as registerScoreReport } from './commands/score-report.command';

// tagctl: every command lives in ./commands/<name>.command.ts and exports `register(program)`.
// Commands that need no database (validate, test, evaluate, conformance, ...) never import one.
export const program = new Command('tagctl').description('Tagforge command line').showHelpAfterError();

// registrations:
registerValidate(program);
registerTest(program);
registerEvaluate(program);
registerDiff(program);
registerCatalog(program);
registerGenerate(program);
registerLoadDataset(program);
registerTrain(program);
registerScoreReport(program);
registerConformance(program);
registerMigrate(program);
registerKeys(program);
registerSync(program);
registerDemo(program);

// Run as a command, not when a test imports the program to list its commands.
if (require.main === module) {
  program.parseAsync(process.argv).catch((error: unknown) => {
    process.stderr.write(`tagctl: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
