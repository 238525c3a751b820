import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  DEFAULT_EXAMPLE_NOW,
  loadDefinitionsFolder,
  loadJsonFile,
  readDefinitions,
  TAG_CATEGORIES,
  TAG_PURPOSES,
} from '@tagforge/catalog';
import { parseNow, type ReasonText, type Scorecard } from '@tagforge/rules';
import {
  adverseImpact,
  DEFAULT_BINNING,
  DEFAULT_FIT,
  DEFAULT_SCALING,
  DEFAULT_TRAIN,
  type HigherScore,
  trainScorecard,
  type TrainingResult,
  type TrainOptions,
  TrainingError,
} from '@tagforge/scorecard';
import {
  featureRows,
  ModelInputError,
  parseLabels,
  parseProfiles,
  protectedPaths,
  readNdjson,
  readPath,
  resolveFeatures,
  scoringContexts,
} from './model-data';

export interface TrainCommandOptions {
  profiles: string;
  labels: string;
  features: string;
  out: string;
  id: string;
  name: string;
  nameZh?: string;
  purpose: string;
  category: string;
  owner?: string;
  description?: string;
  labelName?: string;
  definitions: string;
  now: string;
  holdout: string;
  seed: string;
  minBinShare: string;
  maxBins: string;
  minIv: string;
  maxCorrelation: string;
  maxFeatures: string;
  steps: string;
  basePoints: string;
  baseOdds: string;
  pdo: string;
  higherScore: string;
  reasonTexts?: string;
  reasonCount: string;
  cutoff?: string;
  allowProtected?: boolean;
  // Fixed in tests, so the output does not depend on the clock.
  trainedAt?: string;
}

export type ReasonTextFile = Record<string, { name?: string } & Partial<ReasonText>>;

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'train a scorecard (WoE binning + logistic regression) and write it as a number tag definition',
    )
    .requiredOption('--profiles <file>', 'NDJSON of {"customerId", "profile"}')
    .requiredOption(
      '--labels <file>',
      'NDJSON of {"customerId", "label": 0 | 1}; 1 is the event (default, response)',
    )
    .requiredOption(
      '--features <paths>',
      'comma-separated profile paths or tags.<id>, each optionally :numeric or :categorical',
    )
    .requiredOption('--out <file>', 'the definition file to write')
    .requiredOption('--id <id>', 'tag id of the model')
    .requiredOption('--name <text>', 'name of the tag')
    .option('--name-zh <text>', 'Chinese name of the tag')
    .option('--purpose <purpose>', `one of ${TAG_PURPOSES.join(', ')}`, 'risk')
    .option('--category <category>', 'catalog section', 'credit_risk')
    .option('--owner <team>', 'owning team')
    .option('--description <text>', 'what the score means')
    .option('--label-name <text>', 'what label 1 means, for the model block')
    .option(
      '--definitions <dir>',
      'catalog folder: profile.schema.json and the tags features may read',
      'tag-definitions',
    )
    .option('--now <iso>', 'instant at which tag features are evaluated', DEFAULT_EXAMPLE_NOW)
    .option('--holdout <share>', 'share of customers kept out of training for the metrics', '0.3')
    .option('--seed <n>', 'seed of the holdout split', '1')
    .option(
      '--min-bin-share <share>',
      'smallest share of customers in a bin',
      String(DEFAULT_BINNING.minBinShare),
    )
    .option('--max-bins <n>', 'most bins per characteristic', String(DEFAULT_BINNING.maxBins))
    .option('--min-iv <iv>', 'features under this information value are dropped', String(DEFAULT_TRAIN.minIv))
    .option(
      '--max-correlation <r>',
      'drop a feature correlated above this with a stronger one',
      String(DEFAULT_TRAIN.maxCorrelation),
    )
    .option('--max-features <n>', 'most characteristics', String(DEFAULT_TRAIN.maxFeatures))
    .option('--steps <n>', 'gradient steps of the logistic fit', String(DEFAULT_FIT.steps))
    .option('--base-points <n>', 'score at the base odds', String(DEFAULT_SCALING.basePoints))
    .option(
      '--base-odds <odds>',
      'odds of the outcome a higher score favours, at the base points',
      String(DEFAULT_SCALING.baseOdds),
    )
    .option('--pdo <n>', 'points to double the odds', String(DEFAULT_SCALING.pdo))
    .option(
      '--higher-score <non-event|event>',
      'what a higher score means: less likely event (risk) or more likely (propensity)',
      DEFAULT_SCALING.higherScore,
    )
    .option(
      '--reason-texts <file>',
      'JSON {"<feature path>": {"name", "en", "zh"}}: characteristic names and reason texts',
    )
    .option('--reason-count <n>', 'reasons an explanation gives', '4')
    .option(
      '--cutoff <score>',
      'approval cut-off of the fair-lending check (default: the median holdout score)',
    )
    .option('--allow-protected', 'allow protected attributes as features (recorded in the model block)')
    .option('--trained-at <iso>', 'the training date recorded in the model block (default: now)')
    .action((options: TrainCommandOptions) => {
      process.exitCode = trainCommand(options, process.stdout, process.stderr);
    });
}

/** Trains and writes the definition; on any bad input prints why and writes nothing (exit code 1). */
export function trainCommand(options: TrainCommandOptions, stdout: Writable, stderr: Writable): number {
  try {
    const definition = trainDefinition(options);
    writeFileSync(options.out, `${JSON.stringify(definition, null, 2)}\n`);
    const model = definition.model as { holdout: TrainingResult['holdout']; features: { status: string }[] };
    const selected = model.features.filter((feature) => feature.status === 'selected').length;
    stdout.write(
      `train: ${options.out}: ${selected} characteristics; holdout AUC ${model.holdout.auc}, KS ${model.holdout.ks}, Gini ${model.holdout.gini}, top-decile lift ${model.holdout.topDecileLift}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ModelInputError || error instanceof TrainingError || error instanceof OptionError) {
      stderr.write(`train: ${error.message}\ntrain: nothing written\n`);
      return 1;
    }
    throw error;
  }
}

class OptionError extends Error {}

function number(name: string, text: string, check: (value: number) => boolean, rule: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new OptionError(`--${name} must be ${rule}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function trainOptions(options: TrainCommandOptions): TrainOptions {
  const share = (value: number) => value > 0 && value < 1;
  const whole = (value: number) => Number.isInteger(value) && value >= 1;
  if (options.higherScore !== 'non-event' && options.higherScore !== 'event') {
    throw new OptionError(
      `--higher-score must be non-event or event, got ${JSON.stringify(options.higherScore)}`,
    );
  }
  return {
    holdout: number('holdout', options.holdout, share, 'a share between 0 and 1'),
    seed: number('seed', options.seed, Number.isInteger, 'a whole number'),
    binning: {
      minBinShare: number('min-bin-share', options.minBinShare, share, 'a share between 0 and 1'),
      maxBins: number(
        'max-bins',
        options.maxBins,
        (value) => whole(value) && value >= 2,
        'a whole number >= 2',
      ),
      fineBins: DEFAULT_BINNING.fineBins,
    },
    minIv: number('min-iv', options.minIv, (value) => value >= 0, 'a number >= 0'),
    maxCorrelation: number(
      'max-correlation',
      options.maxCorrelation,
      (value) => value > 0 && value <= 1,
      'in (0, 1]',
    ),
    maxFeatures: number('max-features', options.maxFeatures, whole, 'a whole number >= 1'),
    fit: {
      steps: number('steps', options.steps, whole, 'a whole number >= 1'),
      tolerance: DEFAULT_FIT.tolerance,
    },
    scaling: {
      basePoints: number('base-points', options.basePoints, () => true, 'a number'),
      baseOdds: number('base-odds', options.baseOdds, (value) => value > 0, 'a positive number'),
      pdo: number('pdo', options.pdo, (value) => value > 0, 'a positive number'),
      higherScore: options.higherScore as HigherScore,
    },
  };
}

export function trainDefinition(options: TrainCommandOptions): Record<string, unknown> {
  const settings = trainOptions(options);
  const reasonCount = number(
    'reason-count',
    options.reasonCount,
    (v) => Number.isInteger(v) && v >= 1 && v <= 10,
    '1-10',
  );
  if (!(TAG_PURPOSES as readonly string[]).includes(options.purpose))
    throw new OptionError(`--purpose must be one of ${TAG_PURPOSES.join(', ')}`);
  if (!(TAG_CATEGORIES as readonly string[]).includes(options.category))
    throw new OptionError(`--category must be one of ${TAG_CATEGORIES.join(', ')}`);
  const now = parseNow(options.now);
  if (options.trainedAt !== undefined) parseNow(options.trainedAt);
  const schema = loadJsonFile(join(options.definitions, 'profile.schema.json'));
  const definitions = readDefinitions(loadDefinitionsFolder(options.definitions))
    .definitions.map((loaded) => loaded.definition)
    .filter((definition) => definition.id !== options.id);
  const texts: ReasonTextFile =
    options.reasonTexts === undefined ? {} : (loadJsonFile(options.reasonTexts) as ReasonTextFile);
  const { features, protectedUsed } = resolveFeatures(
    options.features,
    { schema, definitions },
    options.allowProtected === true,
    texts,
  );
  const profileFile = readNdjson(options.profiles);
  const labelFile = readNdjson(options.labels);
  const profiles = parseProfiles(profileFile, schema);
  const labels = parseLabels(labelFile, profiles);
  const ids = [...labels.keys()];
  const featureTags = features.flatMap((feature) =>
    feature.var.startsWith('tags.') ? [feature.var.slice('tags.'.length)] : [],
  );
  const contexts = scoringContexts(profiles, ids, definitions, now, featureTags);
  const rows = featureRows(features, labels, contexts);
  const result = trainScorecard(features, rows, settings);

  const scorecard: Scorecard = {
    ...result.scorecard,
    reasonCodes: {
      count: reasonCount,
      relativeTo: 'max',
      texts: Object.fromEntries(
        result.scorecard.characteristics.map((characteristic) => [
          characteristic.reasonCode!,
          {
            en: texts[characteristic.var]?.en ?? `${characteristic.name} (${characteristic.var})`,
            zh: texts[characteristic.var]?.zh ?? `${characteristic.name}（${characteristic.var}）`,
          },
        ]),
      ),
    },
  };
  const holdoutScores = result.holdoutScores;
  const cutoff =
    options.cutoff === undefined
      ? median(holdoutScores.map((entry) => entry.score))
      : number('cutoff', options.cutoff, () => true, 'a number');
  const fairness = protectedPaths(schema)
    .map((path) => {
      const groups = holdoutScores.map((entry) => {
        const value = readPath(profiles.get(entry.customerId), path);
        return value === null ? null : String(value);
      });
      return groups.some((group) => group !== null)
        ? adverseImpact(
            path,
            groups,
            holdoutScores.map((entry) => entry.score),
            cutoff,
            (score) => score >= cutoff,
          )
        : undefined;
    })
    .filter((report) => report !== undefined);

  return {
    $schema: '../definition.schema.json',
    id: options.id,
    name: options.name,
    ...(options.nameZh === undefined ? {} : { nameZh: options.nameZh }),
    kind: 'number',
    purpose: options.purpose,
    category: options.category,
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    description:
      options.description ??
      `Scorecard trained by tagctl train: ${scorecard.characteristics.length} characteristics, ${settings.scaling.basePoints} points at odds ${settings.scaling.baseOdds}, ${settings.scaling.pdo} points to double them.`,
    scorecard,
    model: {
      trainer: 'tagctl train',
      trainedAt: options.trainedAt ?? new Date().toISOString(),
      label: options.labelName ?? 'label 1',
      data: {
        profiles: profileFile.fingerprint,
        labels: labelFile.fingerprint,
        customers: rows.length,
        unlabelledProfiles: profiles.size - rows.length,
        events: result.rows.events,
        now: new Date(now).toISOString(),
      },
      split: {
        holdout: settings.holdout,
        seed: settings.seed,
        rule: 'a customer is in the holdout when sha256("<seed>:<customerId>") read as a fraction of 2^32 is below the share',
        training: result.rows.training,
        holdoutCustomers: result.rows.holdout,
      },
      options: {
        minBinShare: settings.binning.minBinShare,
        maxBins: settings.binning.maxBins,
        minIv: settings.minIv,
        maxCorrelation: settings.maxCorrelation,
        maxFeatures: settings.maxFeatures,
        ...settings.scaling,
        allowProtected: options.allowProtected === true,
        protectedFeatures: protectedUsed,
      },
      fit: {
        library: result.fit.library,
        steps: result.fit.steps,
        learningRate: Number(result.fit.learningRate.toPrecision(6)),
        gradient: Number(result.fit.gradient.toPrecision(3)),
        converged: result.fit.converged,
        intercept: Number(result.fit.intercept.toFixed(6)),
      },
      features: result.features,
      training: result.training,
      holdout: result.holdout,
      fairness: { cutoff, approved: 'score >= cutoff', attributes: fairness },
      stability: result.stability,
    },
    examples: result.examples.map((example) => ({
      name: `${example.name} (${example.customerId})`,
      profile: profiles.get(example.customerId),
      now: new Date(now).toISOString(),
      expect: example.score,
    })),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
