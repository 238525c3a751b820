import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { type Command, InvalidArgumentError } from 'commander';
import { loadDefinitionsFolder, loadJsonFile, readDefinitions, validateCatalog } from '@tagforge/catalog';
import { CatalogEvaluator, type CustomerEvaluation, type TagKind, type TagValue } from '@tagforge/evaluation';
import { ProfileValidator } from '@tagforge/profile';
import { parseNow } from '@tagforge/rules';
import { parseLine, type EvaluateIo } from './evaluate.command';
import { formatProblem } from './validate.command';

export interface DiffOptions {
  // The draft folder ("after").
  definitions: string;
  // The baseline folder ("before"), e.g. a checkout of main.
  against: string;
  profiles: string;
  schema?: string;
  now?: string;
  // How many customer ids to list per tag for entered and for left (default 10).
  list?: number;
  json?: boolean;
}

export type CustomerId = string | number;

export interface TagDiff {
  tagId: string;
  setBefore: number;
  set: number;
  // unset before, set after
  entered: number;
  // set before, unset after
  left: number;
  // set on both sides to different values (category and number tags)
  changed: number;
  enteredSample: CustomerId[];
  leftSample: CustomerId[];
  errorsBefore: number;
  errorsAfter: number;
}

export interface DiffReport {
  now: string;
  customers: number;
  skippedLines: number;
  added: string[];
  removed: string[];
  // Tags in both folders whose results are the same for every customer.
  unchanged: number;
  // Tags whose results differ (added and removed tags included), the largest difference first.
  tags: TagDiff[];
  summary: string;
}

const DEFAULT_LIST = 10;
const PROGRESS_EVERY = 10_000;

export function register(program: Command): void {
  program
    .command('diff')
    .description(
      'evaluate two definition folders over the same profiles and print, per tag, who enters and who leaves',
    )
    .requiredOption('--definitions <dir>', 'the new (draft) definitions folder')
    .requiredOption('--against <dir>', 'the baseline definitions folder, e.g. a checkout of main')
    .requiredOption(
      '--profiles <file>',
      'NDJSON input, one {"customerId", "profile"} per line ("-" for stdin)',
    )
    .option(
      '--schema <file>',
      'profile JSON Schema for both folders (default: <definitions>/profile.schema.json; {} accepts any path)',
    )
    .option('--now <iso>', 'evaluation instant (default: the current time, printed to stderr)')
    .option(
      '--list <n>',
      `customer ids listed per tag for entered and left (default ${DEFAULT_LIST})`,
      parseCount,
    )
    .option('--json', 'print the whole report as one JSON object')
    .action(async (options: DiffOptions) => {
      // `tagctl diff ... | head`: the reader has gone, so stop quietly instead of failing on EPIPE.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        process.exit(0);
      });
      const input = options.profiles === '-' ? process.stdin : createReadStream(options.profiles);
      process.exitCode = await diffCommand(options, {
        input,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}

/**
 * Streams customers through both catalogs once and keeps only counters and bounded samples, so memory
 * stays flat however large the file. Differences are the point, not failures: the exit code is 1 only
 * for invalid definitions or unreadable files.
 */
export async function diffCommand(options: DiffOptions, io: EvaluateIo): Promise<number> {
  const { stdout, stderr } = io;
  const schemaFile = options.schema ?? join(options.definitions, 'profile.schema.json');
  let now: number;
  let schema: unknown;
  let after: LoadedCatalog | undefined;
  let before: LoadedCatalog | undefined;
  try {
    now = options.now === undefined ? Date.now() : parseNow(options.now);
    schema = loadJsonFile(schemaFile);
    // Both folders are checked, so one run names every problem on either side.
    after = loadCatalog(options.definitions, schema, stderr);
    before = loadCatalog(options.against, schema, stderr);
  } catch (error) {
    stderr.write(`diff: ${(error as Error).message}\n`);
    return 1;
  }
  if (after === undefined || before === undefined) return 1;
  if (options.now === undefined) stderr.write(`diff: --now ${new Date(now).toISOString()}\n`);

  const diff = new CatalogDiff(before.kinds, after.kinds, options.list ?? DEFAULT_LIST);
  const profileValidator = new ProfileValidator(schema as object);
  const progress = stderr.isTTY === true;
  let lineNumber = 0;
  let skipped = 0;
  try {
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
        stderr.write(
          `line ${lineNumber}: customer ${JSON.stringify(parsed.customerId)}: profile ${details}\n`,
        );
        continue;
      }
      diff.add(
        parsed.customerId,
        before.evaluator.evaluateCustomer(parsed.profile, now),
        after.evaluator.evaluateCustomer(parsed.profile, now),
      );
      if (progress && diff.customers % PROGRESS_EVERY === 0)
        stderr.write(`\rdiff: ${diff.customers} customers`);
    }
  } catch (error) {
    if (progress) stderr.write('\n');
    stderr.write(`diff: cannot read ${options.profiles}: ${(error as Error).message}\n`);
    return 1;
  }
  if (progress) stderr.write('\n');

  const report = diff.report(new Date(now).toISOString(), skipped);
  stdout.write(options.json === true ? `${JSON.stringify(report)}\n` : formatReport(report, diff));
  return 0;
}

interface LoadedCatalog {
  evaluator: CatalogEvaluator;
  kinds: Map<string, TagKind>;
}

// Like `tagctl validate`: every problem with its file and pointer; undefined when there is any.
function loadCatalog(dir: string, schema: unknown, stderr: Writable): LoadedCatalog | undefined {
  let files;
  try {
    files = loadDefinitionsFolder(dir);
  } catch (error) {
    throw new Error(`cannot read ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const { errors } = validateCatalog(files, schema);
  if (errors.length > 0) {
    for (const problem of errors) stderr.write(`${formatProblem('error', problem)}\n`);
    stderr.write(`diff: ${errors.length} errors in ${dir}; nothing compared\n`);
    return undefined;
  }
  const definitions = readDefinitions(files).definitions.map(({ definition: { id, kind, rule } }) => ({
    id,
    kind,
    rule,
  }));
  return {
    evaluator: new CatalogEvaluator(definitions),
    kinds: new Map(definitions.map(({ id, kind }) => [id, kind])),
  };
}

interface TagCounter extends TagDiff {
  kindBefore?: TagKind;
  kindAfter?: TagKind;
  // Customers whose rule failed on one side only: a difference even when the counts match.
  errorShifts: number;
  firstErrorBefore?: string;
  firstErrorAfter?: string;
}

/**
 * Per-tag counters over customers evaluated by both catalogs. A customer whose rule threw on either side
 * is counted in the errors, not as entering or leaving: the service also keeps the previous value then.
 */
export class CatalogDiff {
  customers = 0;
  private readonly counters = new Map<string, TagCounter>();

  constructor(
    before: ReadonlyMap<string, TagKind>,
    after: ReadonlyMap<string, TagKind>,
    private readonly sampleSize: number,
  ) {
    for (const tagId of new Set([...before.keys(), ...after.keys()])) {
      this.counters.set(tagId, {
        tagId,
        kindBefore: before.get(tagId),
        kindAfter: after.get(tagId),
        setBefore: 0,
        set: 0,
        entered: 0,
        left: 0,
        changed: 0,
        enteredSample: [],
        leftSample: [],
        errorsBefore: 0,
        errorsAfter: 0,
        errorShifts: 0,
      });
    }
  }

  add(customerId: CustomerId, before: CustomerEvaluation, after: CustomerEvaluation): void {
    this.customers += 1;
    const failedBefore = failedTags(before);
    const failedAfter = failedTags(after);
    for (const counter of this.counters.values()) {
      const { tagId } = counter;
      const old = valueOf(before, tagId);
      const now = valueOf(after, tagId);
      if (old !== undefined) counter.setBefore += 1;
      if (now !== undefined) counter.set += 1;
      const errorBefore = failedBefore?.get(tagId);
      const errorAfter = failedAfter?.get(tagId);
      if (errorBefore !== undefined || errorAfter !== undefined) {
        if (errorBefore !== undefined) {
          counter.errorsBefore += 1;
          counter.firstErrorBefore ??= `customer ${JSON.stringify(customerId)}: ${errorBefore}`;
        }
        if (errorAfter !== undefined) {
          counter.errorsAfter += 1;
          counter.firstErrorAfter ??= `customer ${JSON.stringify(customerId)}: ${errorAfter}`;
        }
        if ((errorBefore === undefined) !== (errorAfter === undefined)) counter.errorShifts += 1;
        continue;
      }
      if (old === now) continue;
      if (old === undefined) {
        counter.entered += 1;
        if (counter.enteredSample.length < this.sampleSize) counter.enteredSample.push(customerId);
      } else if (now === undefined) {
        counter.left += 1;
        if (counter.leftSample.length < this.sampleSize) counter.leftSample.push(customerId);
      } else {
        counter.changed += 1;
      }
    }
  }

  report(now: string, skippedLines: number): DiffReport {
    const counters = [...this.counters.values()];
    const differing = counters
      .filter(
        (counter) =>
          counter.kindBefore === undefined ||
          counter.kindAfter === undefined ||
          counter.entered + counter.left + counter.changed + counter.errorShifts > 0 ||
          counter.errorsBefore !== counter.errorsAfter,
      )
      .sort((a, b) => size(b) - size(a) || (a.tagId < b.tagId ? -1 : 1));
    return {
      now,
      customers: this.customers,
      skippedLines,
      added: counters.filter((c) => c.kindBefore === undefined).map((c) => c.tagId),
      removed: counters.filter((c) => c.kindAfter === undefined).map((c) => c.tagId),
      unchanged: counters.length - differing.length,
      tags: differing.map(tagDiff),
      summary:
        differing.length === 0
          ? 'no differences'
          : `${differing.length} ${differing.length === 1 ? 'tag differs' : 'tags differ'}: ${differing.map(summaryOf).join(', ')}`,
    };
  }

  // Kinds and first error messages for the text report, which prints more than the JSON shape holds.
  details(
    tagId: string,
  ): Pick<TagCounter, 'kindBefore' | 'kindAfter' | 'firstErrorBefore' | 'firstErrorAfter'> {
    const counter = this.counters.get(tagId);
    if (counter === undefined) throw new Error(`unknown tag "${tagId}"`);
    return counter;
  }
}

function failedTags(evaluation: CustomerEvaluation): Map<string, string> | undefined {
  if (evaluation.errors.length === 0) return undefined;
  return new Map(evaluation.errors.map(({ tagId, message }) => [tagId, message]));
}

function valueOf(evaluation: CustomerEvaluation, tagId: string): TagValue | undefined {
  return Object.hasOwn(evaluation.values, tagId) ? evaluation.values[tagId] : undefined;
}

function size(counter: TagCounter): number {
  return counter.entered + counter.left + counter.changed;
}

function tagDiff(counter: TagCounter): TagDiff {
  const { tagId, setBefore, set, entered, left, changed, enteredSample, leftSample } = counter;
  const { errorsBefore, errorsAfter } = counter;
  return {
    tagId,
    setBefore,
    set,
    entered,
    left,
    changed,
    enteredSample,
    leftSample,
    errorsBefore,
    errorsAfter,
  };
}

// `low_risk +120/-15`, then `~4` for changed values, `(added)` / `(removed)`, `errors 0->12`.
function summaryOf(counter: TagCounter): string {
  let text = `${counter.tagId} +${counter.entered}/-${counter.left}`;
  if (counter.changed > 0) text += ` ~${counter.changed}`;
  if (counter.kindBefore === undefined) text += ' (added)';
  if (counter.kindAfter === undefined) text += ' (removed)';
  if (counter.errorsBefore !== counter.errorsAfter || counter.errorShifts > 0)
    text += ` errors ${counter.errorsBefore}->${counter.errorsAfter}`;
  return text;
}

export function formatReport(report: DiffReport, diff: CatalogDiff): string {
  const lines = [
    `compared ${report.customers} customers at ${report.now} (${report.skippedLines} lines skipped), ` +
      `${report.tags.length} tags differ, ${report.unchanged} unchanged`,
  ];
  for (const tag of report.tags) {
    const { kindBefore, kindAfter, firstErrorBefore, firstErrorAfter } = diff.details(tag.tagId);
    const kind =
      kindBefore === undefined
        ? `${kindAfter}, added`
        : kindAfter === undefined
          ? `${kindBefore}, removed`
          : kindBefore === kindAfter
            ? kindBefore
            : `${kindBefore} -> ${kindAfter}`;
    lines.push('', `${tag.tagId} (${kind}): set for ${tag.setBefore} -> ${tag.set} customers`);
    if (tag.entered > 0) lines.push(`  entered ${tag.entered}${sample(tag.enteredSample, tag.entered)}`);
    if (tag.left > 0) lines.push(`  left ${tag.left}${sample(tag.leftSample, tag.left)}`);
    if (tag.changed > 0) lines.push(`  changed value ${tag.changed}`);
    if (tag.errorsBefore > 0 || tag.errorsAfter > 0) {
      lines.push(`  rule errors: ${tag.errorsBefore} before, ${tag.errorsAfter} after`);
      if (firstErrorBefore !== undefined) lines.push(`    first before: ${firstErrorBefore}`);
      if (firstErrorAfter !== undefined) lines.push(`    first after: ${firstErrorAfter}`);
    }
  }
  lines.push('', report.summary);
  return `${lines.join('\n')}\n`;
}

function sample(ids: readonly CustomerId[], total: number): string {
  if (ids.length === 0) return '';
  return `: ${ids.join(', ')}${total > ids.length ? `, ... (first ${ids.length})` : ''}`;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return Number(value);
}
