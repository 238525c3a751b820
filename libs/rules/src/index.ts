export { RuleProblemCodes, RuleValidationError } from './rule-problem';
export type { RuleProblem, RuleProblemCode } from './rule-problem';
export { RULE_LIMITS, validateRule } from './rule-validator';
export type { ValidationOptions, ValidationResult } from './rule-validator';
export { compile, generateSource } from './rule-compiler';
export type { CompileOptions, CompiledRule } from './rule-compiler';
export { referenceApply } from './json-logic-reference';
export { ruleDependencies } from './rule-dependencies';
export type { RuleDependencies } from './rule-dependencies';
export { REDACTED, explain, isBureauPath } from './rule-explainer';
export type { ExplainOptions, Explanation } from './rule-explainer';
export type { TraceNode } from './rule-interpreter';
export { truthy } from './json-logic-semantics';
export { parseNow, parseIsoInstant, daysSince, monthsSince, yearsSince } from './time-operators';
export { runConformance } from './conformance-suite';
export type { ConformanceResult } from './conformance-suite';
export {
  binLabel,
  binOf,
  compileScorecard,
  DEFAULT_REASON_COUNT,
  hideCharacteristics,
  scoreScorecard,
  scorecardProblems,
} from './scorecard';
export type {
  CharacteristicScore,
  ReasonText,
  Scorecard,
  ScorecardBin,
  ScorecardCharacteristic,
  ScorecardExplanation,
  ScorecardProblem,
  ScorecardReason,
  ScorecardValue,
  VisibleScorecard,
} from './scorecard';
export { ruleOutcomes } from './rule-outcomes';
export { ProfileSchema } from './profile-schema';
export { fieldTitle } from './field-titles';
export type { FieldTitle } from './field-titles';
export { NARRATIVE_WORDS, narrate } from './rule-narrative';
export type { Narrative, NarrativeLanguage, NarrativeVocabulary } from './rule-narrative';
export { readsOnlyBureau, type TagDependencies } from './bureau-derived';
