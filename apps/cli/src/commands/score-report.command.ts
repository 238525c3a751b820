import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  DEFAULT_EXAMPLE_NOW,
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  type TagDefinition,
} from '@tagforge/catalog';
import { CatalogEvaluator } from '@tagforge/evaluation';
import { binOf, parseNow, ruleDependencies } from '@tagforge/rules';
import {
  adverseImpact,
  countByCuts,
  inHoldout,
  type Metrics,
  metrics,
  populationStabilityIndex,
  type ProtectedAttributeReport,
  roundedMetrics,
  stabilityStatus,
} from '@tagforge/scorecard';
import {
  ModelInputError,
  parseLabels,
  parseProfiles,
  protectedPaths,
  readNdjson,
  readPath,
  tagsRead,
} from './model-data';

export interface ScoreReportOptions {
  definition: string;
  profiles: string;
  labels: string;
  definitions: string;
  now: string;
  holdout?: boolean;
  cutoff?: string;
}

export interface ModelBlock {
  split?: { holdout: number; seed: number };
  options?: { higherScore?: 'non-event' | 'event' };
  data?: { now?: string };
  holdout?: Metrics;
  fairness?: { cutoff: number };
  stability?: {
    score: { cuts: number[]; shares: number[] };
    characteristics: { name: string; shares: number[] }[];
  };
}

export interface ScoreReport {
  tagId: string;
  // "all" labelled customers, or the model block's holdout.
  population: 'all' | 'holdout';
  metrics: Metrics;
  // With --holdout: whether the metrics equal what the model block claims.
  matchesModel?: boolean;
  unscored: number;
  fairness: { cutoff: number; approved: string; attributes: ProtectedAttributeReport[] };
  stability?: {
    score: { psi: number; status: string };
    characteristics: { name: string; psi: number; status: string }[];
  };
}

export function register(program: Command): void {
  program
    .command('score-report')
    .description(
      'recompute a scorecard’s metrics (AUC, KS, Gini, lift), fair-lending check and PSI on a labelled file',
    )
    .requiredOption('--definition <file>', 'the definition (a scorecard or any number tag)')
    .requiredOption('--profiles <file>', 'NDJSON of {"customerId", "profile"}')
    .requiredOption('--labels <file>', 'NDJSON of {"customerId", "label": 0 | 1}')
    .option(
      '--definitions <dir>',
      'catalog folder: profile.schema.json and the tags the definition reads',
      'tag-definitions',
    )
    .option('--now <iso>', 'evaluation instant (default: the model block’s, else 2026-01-01T00:00:00Z)')
    .option('--holdout', 'only the customers of the model block’s holdout, and compare with its metrics')
    .option('--cutoff <score>', 'approval cut-off of the fair-lending check (default: the model block’s)')
    .action((options: ScoreReportOptions) => {
      process.exitCode = scoreReportCommand(options, process.stdout, process.stderr);
    });
}

export function scoreReportCommand(options: ScoreReportOptions, stdout: Writable, stderr: Writable): number {
  try {
    const report = scoreReportOf(options);
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.matchesModel === false ? 1 : 0;
  } catch (error) {
    if (error instanceof ModelInputError) {
      stderr.write(`score-report: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export function scoreReportOf(options: ScoreReportOptions): ScoreReport {
  const schema = loadJsonFile(join(options.definitions, 'profile.schema.json'));
  const read = readDefinitions([{ file: options.definition, content: loadJsonFile(options.definition) }]);
  if (read.errors.length > 0) {
    throw new ModelInputError(
      read.errors.map((problem) => `${problem.file} ${problem.pointer} ${problem.message}`),
    );
  }
  const definition = read.definitions[0].definition;
  if (definition.kind !== 'number')
    throw new ModelInputError([`${definition.id} is a ${definition.kind} tag, not a score`]);
  const model = (definition.model ?? {}) as ModelBlock;
  const catalog = readDefinitions(loadDefinitionsFolder(options.definitions))
    .definitions.map((loaded) => loaded.definition)
    .filter((other) => other.id !== definition.id);
  const now = parseNow(options.now ?? model.data?.now ?? DEFAULT_EXAMPLE_NOW);
  const profiles = parseProfiles(readNdjson(options.profiles), schema);
  const labels = parseLabels(readNdjson(options.labels), profiles);
  if (options.holdout === true && model.split === undefined) {
    throw new ModelInputError([`${definition.id} has no model block with a holdout split`]);
  }
  const ids = [...labels.keys()].filter(
    (id) => options.holdout !== true || inHoldout(id, model.split!.seed, model.split!.holdout),
  );
  const scored = scoreCustomers(definition, catalog, profiles, ids, now);
  const higherIsEvent = model.options?.higherScore === 'event';
  const entries = scored.filter((entry) => entry.score !== null) as { customerId: string; score: number }[];
  const scores = entries.map((entry) => entry.score);
  const eventLabels = entries.map((entry) => labels.get(entry.customerId)!);
  const result = roundedMetrics(metrics(higherIsEvent ? scores : scores.map((score) => -score), eventLabels));
  const cutoff =
    options.cutoff !== undefined ? Number(options.cutoff) : (model.fairness?.cutoff ?? median(scores));
  if (!Number.isFinite(cutoff))
    throw new ModelInputError([`--cutoff must be a number, got ${options.cutoff}`]);
  const attributes = protectedPaths(schema)
    .map((path) => {
      const groups = entries.map((entry) => {
        const value = readPath(profiles.get(entry.customerId), path);
        return value === null ? null : String(value);
      });
      return groups.some((group) => group !== null)
        ? adverseImpact(path, groups, scores, cutoff, (score) => score >= cutoff)
        : undefined;
    })
    .filter((report) => report !== undefined);
  return {
    tagId: definition.id,
    population: options.holdout === true ? 'holdout' : 'all',
    metrics: result,
    ...(options.holdout === true && model.holdout !== undefined
      ? { matchesModel: JSON.stringify(result) === JSON.stringify(model.holdout) }
      : {}),
    unscored: scored.length - entries.length,
    fairness: { cutoff, approved: 'score >= cutoff', attributes },
    ...(model.stability !== undefined ? { stability: stabilityOf(definition, model.stability, scored) } : {}),
  };
}

/** Each customer's value of the definition as the engine computes it, with the context its scorecard read. */
export function scoreCustomers(
  definition: TagDefinition,
  catalog: readonly TagDefinition[],
  profiles: ReadonlyMap<string, Record<string, unknown>>,
  ids: readonly string[],
  now: number,
): { customerId: string; score: number | null; context: Record<string, unknown> }[] {
  const all = [...tagsRead(catalog, ruleDependencies(definition.rule).tags), definition];
  const evaluator = new CatalogEvaluator(all.map(({ id, kind, rule }) => ({ id, kind, rule })));
  const unset = (kind: string) => (kind === 'boolean' || kind === 'segment' ? false : null);
  return ids.map((customerId) => {
    const profile = profiles.get(customerId)!;
    const { values } = evaluator.evaluateCustomer(profile, now);
    const tags: Record<string, unknown> = {};
    for (const other of all) tags[other.id] = values[other.id] ?? unset(other.kind);
    const score = values[definition.id];
    return { customerId, score: typeof score === 'number' ? score : null, context: { ...profile, tags } };
  });
}

function stabilityOf(
  definition: TagDefinition,
  expected: NonNullable<ModelBlock['stability']>,
  scored: ReturnType<typeof scoreCustomers>,
): NonNullable<ScoreReport['stability']> {
  const scores = scored.flatMap((entry) => (entry.score === null ? [] : [entry.score]));
  const psi = populationStabilityIndex(expected.score.shares, countByCuts(scores, expected.score.cuts));
  const characteristics = (definition.scorecard?.characteristics ?? []).flatMap((characteristic) => {
    const training = expected.characteristics.find((entry) => entry.name === characteristic.name);
    if (training === undefined) return [];
    const counts = new Array<number>(characteristic.bins.length + 1).fill(0);
    for (const entry of scored) {
      const bin = binOf(characteristic, readPath(entry.context, characteristic.var));
      counts[bin < 0 ? characteristic.bins.length : bin] += 1;
    }
    const value = populationStabilityIndex(training.shares, counts);
    return [{ name: characteristic.name, psi: round(value), status: stabilityStatus(value) }];
  });
  return { score: { psi: round(psi), status: stabilityStatus(psi) }, characteristics };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
