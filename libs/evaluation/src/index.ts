export { CatalogCycleError, tagGraph, topologicalOrder } from './catalog-order';
export type { EvaluableDefinition, TagKind, TagValue } from './catalog-order';
export { CatalogDefinitionError, CatalogEvaluator, normaliseTagValue } from './catalog-evaluator';
export type {
  CustomerEvaluation,
  EvaluateOptions,
  NormalisedValue,
  TagEvaluationError,
} from './catalog-evaluator';
export { diffTags, type TagDiffEntry, type TagState } from './tag-diff';
export { tagDigest, tagsAfter } from './tag-digest';
export {
  digestAfter,
  evaluateAgainst,
  evaluateAndDiff,
  type CustomerDiff,
  type CustomerEvaluationAgainst,
} from './evaluate-and-diff';
