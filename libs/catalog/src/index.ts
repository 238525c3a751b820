// Tag and segment definitions: the file format, catalog validation and example runs are pure;
// definition-loader is the only module that reads files.
export { catalogMarkdownTable } from './catalog-markdown';
export { type ValidateOptions, validateCatalog } from './catalog-validator';
export { type LoadedDefinition, readDefinitions, type ReadDefinitions } from './definition-format';
export { loadDefinitionsFolder, loadJsonFile } from './definition-loader';
export { DEFINITION_SCHEMA, TAG_ID_MAX_LENGTH, TAG_ID_PATTERN, isTagId } from './definition-schema';
export { type ExampleResult, runExamples } from './example-runner';
export {
  type CatalogProblem,
  type CatalogValidation,
  DEFAULT_EXAMPLE_NOW,
  type ExampleValue,
  TAG_CATEGORIES,
  TAG_KINDS,
  TAG_PURPOSES,
  type TagCategory,
  type TagDefinition,
  type TagDefinitionFile,
  type TagExample,
  type TagPurpose,
} from './tag-definition';
export {
  definitionChecksum,
  definitionDrift,
  driftSummary,
  type DriftEntry,
  type DriftState,
} from './definition-drift';
export * from './headline-segments';
