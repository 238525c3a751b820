// Training statistics for scorecards (pure: no Nest, no I/O): WoE binning, information value, the
// logistic fit (ml-logistic-regression), points scaling, AUC/KS/Gini/lift, PSI and adverse impact.
export {
  type Bin,
  type BinDefinition,
  binCategorical,
  binIndexOf,
  type BinningOptions,
  binNumeric,
  type BinStatistics,
  type CategoryValue,
  DEFAULT_BINNING,
  type FeatureBinning,
  type FeatureType,
  type FeatureValue,
  totalsOf,
} from './binning';
export { pearson } from './correlation';
export { adverseImpact, FOUR_FIFTHS, type GroupOutcome, type ProtectedAttributeReport } from './fairness';
export { inHoldout } from './holdout';
export {
  DEFAULT_FIT,
  FIT_LIBRARY,
  fitLogistic,
  type LogisticFit,
  type LogisticFitOptions,
  probability,
} from './logistic-fit';
export { auc, kolmogorovSmirnov, type Metrics, metrics, roundedMetrics, topDecileLift } from './metrics';
export {
  binPoints,
  DEFAULT_SCALING,
  type HigherScore,
  interceptPoints,
  type Scaling,
  scalingFactor,
} from './scaling';
export {
  countByCuts,
  groupOf,
  PSI_FLOOR,
  populationStabilityIndex,
  quantileCuts,
  stabilityStatus,
  type StabilityStatus,
} from './stability';
export {
  type BinReport,
  dataOf,
  DEFAULT_TRAIN,
  type FeatureReport,
  type FeatureSpec,
  MIN_CLASS_MEMBERS,
  type ScoreDistribution,
  trainScorecard,
  type TrainingResult,
  type TrainingRow,
  type TrainOptions,
} from './train';
export { TrainingError, type TrainingErrorCode } from './training-error';
export { ivStrength, type IvStrength, informationValuePart, weightOfEvidence, WOE_SMOOTHING } from './woe';
