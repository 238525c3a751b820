import {
  binLabel,
  binOf,
  type Scorecard,
  type ScorecardBin,
  type ScorecardCharacteristic,
  scoreScorecard,
} from '@tagforge/rules';
import {
  binCategorical,
  binNumeric,
  type BinningOptions,
  DEFAULT_BINNING,
  type FeatureBinning,
  type FeatureType,
  type FeatureValue,
} from './binning';
import { pearson } from './correlation';
import { inHoldout } from './holdout';
import { DEFAULT_FIT, fitLogistic, type LogisticFit, type LogisticFitOptions } from './logistic-fit';
import { type Metrics, metrics, roundedMetrics } from './metrics';
import { binPoints, DEFAULT_SCALING, interceptPoints, type Scaling } from './scaling';
import { countByCuts, quantileCuts } from './stability';
import { TrainingError } from './training-error';
import { ivStrength, type IvStrength } from './woe';

export interface FeatureSpec {
  var: string;
  type: FeatureType;
  // For people: the characteristic's name in the scorecard.
  name: string;
}

export interface TrainingRow {
  customerId: string;
  // One value per feature, in the order of the features.
  values: FeatureValue[];
  label: number;
}

export interface TrainOptions {
  holdout: number;
  seed: number;
  binning: BinningOptions;
  // Features under this information value are dropped as weak.
  minIv: number;
  // A feature whose WoE correlates more than this with a stronger kept one is dropped.
  maxCorrelation: number;
  maxFeatures: number;
  fit: LogisticFitOptions;
  scaling: Scaling;
}

export const DEFAULT_TRAIN: TrainOptions = {
  holdout: 0.3,
  seed: 1,
  binning: DEFAULT_BINNING,
  minIv: 0.02,
  maxCorrelation: 0.7,
  maxFeatures: 15,
  fit: DEFAULT_FIT,
  scaling: DEFAULT_SCALING,
};

// Fewer members of a class than this in the training part cannot be binned meaningfully.
export const MIN_CLASS_MEMBERS = 20;

export interface BinReport {
  bin: string;
  count: number;
  share: number;
  events: number;
  eventRate: number;
  woe: number;
  points?: number;
}

export interface FeatureReport {
  var: string;
  name: string;
  type: FeatureType;
  iv: number;
  strength: IvStrength;
  // "selected", or why the feature is not in the scorecard.
  status: string;
  coefficient?: number;
  bins: BinReport[];
}

export interface ScoreDistribution {
  // Score groups: group i holds cuts[i-1] <= score < cuts[i].
  cuts: number[];
  shares: number[];
}

export interface TrainingResult {
  scorecard: Scorecard;
  features: FeatureReport[];
  fit: LogisticFit;
  rows: { training: number; holdout: number; events: number };
  training: Metrics;
  holdout: Metrics;
  // The training distribution of the score and of each characteristic (bins then missing), for PSI.
  stability: { score: ScoreDistribution; characteristics: { name: string; shares: number[] }[] };
  // The scorecard's score of every holdout customer.
  holdoutScores: { customerId: string; score: number }[];
  // Training customers picked as the definition's examples, with their scores.
  examples: { customerId: string; name: string; score: number }[];
}

/**
 * Bins each feature on the training part, drops weak and correlated features, fits a logistic regression
 * on the WoE of the rest (dropping any whose coefficient has the wrong sign), scales it to points and
 * measures the scorecard — the rounded points, as the engine will compute them — on both parts.
 */
export function trainScorecard(
  features: readonly FeatureSpec[],
  rows: readonly TrainingRow[],
  options: TrainOptions = DEFAULT_TRAIN,
): TrainingResult {
  if (features.length === 0) throw new TrainingError('no_features', 'name at least one feature');
  const training: TrainingRow[] = [];
  const holdout: TrainingRow[] = [];
  for (const row of rows)
    (inHoldout(row.customerId, options.seed, options.holdout) ? holdout : training).push(row);
  const trainLabels = training.map((row) => row.label);
  const events = trainLabels.reduce((sum, label) => sum + label, 0);
  for (const [name, count] of [
    ['label 1', events],
    ['label 0', training.length - events],
  ] as const) {
    if (count < MIN_CLASS_MEMBERS) {
      throw new TrainingError(
        'class_too_small',
        `the training part has ${count} customers with ${name}; binning needs at least ${MIN_CLASS_MEMBERS} of each class`,
      );
    }
  }
  const holdoutEvents = holdout.reduce((sum, row) => sum + row.label, 0);
  if (holdoutEvents === 0 || holdoutEvents === holdout.length) {
    throw new TrainingError(
      'holdout_class_empty',
      `the holdout (${holdout.length} customers, ${holdoutEvents} with label 1) has no customer of one class; use a larger --holdout or more data`,
    );
  }

  const binnings = features.map((feature, index) => {
    const values = training.map((row) => row.values[index]);
    return feature.type === 'numeric'
      ? binNumeric(values.map(numericValue), trainLabels, options.binning)
      : binCategorical(values, trainLabels, options.binning);
  });
  const woeColumns = binnings.map((binning, index) =>
    training.map((row) => woeOf(binning, row.values[index])),
  );
  const status = features.map(() => 'selected');
  binnings.forEach((binning, index) => {
    if (binning.iv < options.minIv) status[index] = `weak: IV below ${options.minIv}`;
  });
  const byStrength = features
    .map((_, index) => index)
    .filter((index) => status[index] === 'selected')
    .sort((a, b) => binnings[b].iv - binnings[a].iv);
  const kept: number[] = [];
  for (const index of byStrength) {
    const twin = kept.find(
      (other) => Math.abs(pearson(woeColumns[index], woeColumns[other])) > options.maxCorrelation,
    );
    if (twin !== undefined) {
      const r = pearson(woeColumns[index], woeColumns[twin]);
      status[index] = `correlated with ${features[twin].var} (r = ${r.toFixed(2)})`;
    } else if (kept.length >= options.maxFeatures) {
      status[index] = `beyond the ${options.maxFeatures} strongest features`;
    } else kept.push(index);
  }
  if (kept.length === 0) {
    throw new TrainingError('no_usable_features', 'no feature reaches the minimum information value');
  }

  // WoE is ln(non-event share / event share): a coefficient must be negative, or the points would
  // reward the riskier bins. Drop the weakest wrong-signed feature and fit again.
  let fit: LogisticFit;
  for (;;) {
    fit = fitLogistic(
      kept.map((index) => woeColumns[index]),
      trainLabels,
      options.fit,
    );
    const wrong = kept.filter((_, position) => fit.coefficients[position] >= 0);
    if (wrong.length === 0 || kept.length === 1) break;
    const weakest = wrong.reduce((a, b) => (binnings[a].iv <= binnings[b].iv ? a : b));
    status[weakest] = 'dropped: wrong coefficient sign next to stronger features';
    kept.splice(kept.indexOf(weakest), 1);
  }

  const characteristics = kept.map((index, position) =>
    characteristicOf(features[index], binnings[index], fit.coefficients[position], options.scaling, position),
  );
  const scorecard: Scorecard = {
    baseScore: Math.round(interceptPoints(options.scaling, fit.intercept)),
    characteristics,
  };
  const score = (row: TrainingRow) => scoreScorecard(scorecard, dataOf(features, row)).score;
  const trainingScores = training.map(score);
  const holdoutScores = holdout.map(score);
  const risk = (scores: number[]) =>
    options.scaling.higherScore === 'event' ? scores : scores.map((s) => -s);
  const cuts = quantileCuts(trainingScores, 10);
  const reports = features.map((feature, index): FeatureReport => {
    const position = kept.indexOf(index);
    return {
      var: feature.var,
      name: feature.name,
      type: feature.type,
      iv: round(binnings[index].iv),
      strength: ivStrength(binnings[index].iv),
      status: status[index],
      ...(position >= 0 ? { coefficient: round(fit.coefficients[position]) } : {}),
      bins: binReports(binnings[index], position >= 0 ? characteristics[position] : undefined),
    };
  });
  return {
    scorecard,
    features: reports,
    fit,
    rows: { training: training.length, holdout: holdout.length, events: events + holdoutEvents },
    training: roundedMetrics(metrics(risk(trainingScores), trainLabels)),
    holdout: roundedMetrics(
      metrics(
        risk(holdoutScores),
        holdout.map((row) => row.label),
      ),
    ),
    stability: {
      score: {
        cuts,
        shares: countByCuts(trainingScores, cuts).map((count) => round(count / training.length)),
      },
      characteristics: kept.map((index, position) => ({
        name: characteristics[position].name,
        shares: [...binnings[index].bins.map((bin) => bin.share), binnings[index].missing.share].map(round),
      })),
    },
    holdoutScores: holdout.map((row, index) => ({ customerId: row.customerId, score: holdoutScores[index] })),
    examples: pickExamples(training, trainingScores, scorecard, features),
  };
}

function characteristicOf(
  feature: FeatureSpec,
  binning: FeatureBinning,
  coefficient: number,
  scaling: Scaling,
  position: number,
): ScorecardCharacteristic {
  const points = (woe: number) => Math.round(binPoints(scaling, coefficient, woe)) + 0;
  const bins = binning.bins.map(({ bin, woe }): ScorecardBin =>
    bin.kind === 'range'
      ? { range: [bin.from, bin.to], points: points(woe) }
      : { values: bin.values, points: points(woe) },
  );
  return {
    name: feature.name,
    var: feature.var,
    reasonCode: `R${String(position + 1).padStart(2, '0')}`,
    bins,
    missing: { points: points(binning.missing.woe) },
  };
}

function binReports(
  binning: FeatureBinning,
  characteristic: ScorecardCharacteristic | undefined,
): BinReport[] {
  const report = (
    label: string,
    stats: FeatureBinning['missing'],
    points: number | undefined,
  ): BinReport => ({
    bin: label,
    count: stats.count,
    share: round(stats.share),
    events: stats.events,
    eventRate: round(stats.eventRate),
    woe: round(stats.woe),
    ...(points === undefined ? {} : { points }),
  });
  return [
    ...binning.bins.map((bin, index) =>
      report(
        bin.bin.kind === 'range'
          ? binLabel({ range: [bin.bin.from, bin.bin.to], points: 0 })
          : binLabel({ values: bin.bin.values, points: 0 }),
        bin,
        characteristic?.bins[index].points,
      ),
    ),
    report('missing', binning.missing, characteristic?.missing.points),
  ];
}

function woeOf(binning: FeatureBinning, value: FeatureValue): number {
  const characteristic = {
    name: '',
    var: '',
    bins: binning.bins.map(({ bin }): ScorecardBin =>
      bin.kind === 'range' ? { range: [bin.from, bin.to], points: 0 } : { values: bin.values, points: 0 },
    ),
    missing: { points: 0 },
  };
  const index = binOf(characteristic, value);
  return index < 0 ? binning.missing.woe : binning.bins[index].woe;
}

function numericValue(value: FeatureValue): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A row's values as the document a scorecard reads (`{"var": path}`). */
export function dataOf(
  features: readonly FeatureSpec[],
  row: Pick<TrainingRow, 'values'>,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  features.forEach((feature, index) => {
    const value = row.values[index];
    if (value === null) return;
    const segments = feature.var.split('.');
    let node = data;
    segments.slice(0, -1).forEach((segment) => {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    });
    node[segments[segments.length - 1]] = value;
  });
  return data;
}

// The lowest, median and highest scores, and (if any) a customer missing a characteristic.
function pickExamples(
  rows: readonly TrainingRow[],
  scores: readonly number[],
  scorecard: Scorecard,
  features: readonly FeatureSpec[],
): TrainingResult['examples'] {
  const order = scores
    .map((_, index) => index)
    .sort((a, b) => scores[a] - scores[b] || (rows[a].customerId < rows[b].customerId ? -1 : 1));
  const picks: [string, number][] = [
    ['lowest score in training', order[0]],
    ['median score in training', order[Math.floor(order.length / 2)]],
    ['highest score in training', order[order.length - 1]],
  ];
  const withMissing = order.find((index) =>
    scoreScorecard(scorecard, dataOf(features, rows[index])).characteristics.some((c) => c.bin < 0),
  );
  if (withMissing !== undefined) picks.push(['a characteristic missing', withMissing]);
  const seen = new Set<number>();
  return picks
    .filter(([, index]) => (seen.has(index) ? false : (seen.add(index), true)))
    .map(([name, index]) => ({ customerId: rows[index].customerId, name, score: scores[index] }));
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
