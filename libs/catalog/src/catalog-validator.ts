import { CatalogCycleError, topologicalOrder } from '@tagforge/evaluation';
import { ProfileValidator } from '@tagforge/profile';
import {
  parseNow,
  ruleDependencies,
  type RuleProblem,
  type Scorecard,
  validateRule,
  type ValidationOptions,
  type ValidationResult,
} from '@tagforge/rules';
import { type LoadedDefinition, readDefinitions } from './definition-format';
import { runExamples } from './example-runner';
import { varPointers } from './rule-walk';
import type { CatalogProblem, CatalogValidation, TagDefinitionFile } from './tag-definition';

export interface ValidateOptions {
  // Whose examples to run (default: every file's); the API runs only the submitted definitions'.
  examplesOf?: (file: string) => boolean;
}

/**
 * Everything `tagctl validate` (and `POST /v1/tags:validate`) checks: the file format, each rule against
 * the profile schema and the catalog's tag ids, purposes, segments reading tags only, examples, cycles.
 * Once everything else validates, the examples run as `tagctl test` runs them (with the definition's
 * dependencies); a failing example is an error that names it.
 */
export function validateCatalog(
  files: readonly TagDefinitionFile[],
  profileSchema: unknown,
  options: ValidateOptions = {},
): CatalogValidation {
  const { definitions, declaredIds, errors } = readDefinitions(files);
  const warnings: CatalogProblem[] = [];
  const profileValidator = ProfileValidator.for(profileSchema as object);
  const sound: LoadedDefinition[] = [];
  for (const loaded of definitions) {
    const before = errors.length;
    checkRule(loaded, profileSchema, declaredIds, errors, warnings);
    if (errors.length === before) sound.push(loaded);
    checkExamples(loaded, profileValidator, declaredIds, errors, warnings);
  }
  const cycles = cycleProblems(sound);
  errors.push(...cycles);
  // The examples of each sound definition (its rule validates), unless a cycle makes the catalog
  // unevaluable; an example whose profile does not match the schema is reported above already.
  if (cycles.length === 0) {
    const soundFiles = new Set(sound.map((loaded) => loaded.file));
    const examplesOf = options.examplesOf ?? (() => true);
    errors.push(...failingExamples(files, profileSchema, (file) => soundFiles.has(file) && examplesOf(file)));
  }
  return { errors, warnings };
}

function failingExamples(
  files: readonly TagDefinitionFile[],
  profileSchema: unknown,
  examplesOf: (file: string) => boolean,
): CatalogProblem[] {
  return runExamples(files, profileSchema, examplesOf)
    .filter((result) => !result.passed && !result.error?.startsWith('profile: '))
    .map((result) => ({
      file: result.file,
      id: result.id,
      pointer: `/examples/${result.index}`,
      code: 'example_failed',
      message:
        result.error === undefined
          ? `example "${result.name}" expects ${JSON.stringify(result.expected)}, got ${JSON.stringify(result.actual)}`
          : `example "${result.name}" could not run: ${result.error}`,
    }));
}

function checkRule(
  { file, definition }: LoadedDefinition,
  profileSchema: unknown,
  knownTags: ReadonlySet<string>,
  errors: CatalogProblem[],
  warnings: CatalogProblem[],
): void {
  const { id, rule, purpose } = definition;
  const result = definition.scorecard
    ? scorecardValidation(definition.scorecard, { profileSchema, knownTags, purpose })
    : prefixed(validateRule(rule, { profileSchema, knownTags, purpose }), '/rule');
  for (const problem of result.errors) {
    errors.push({
      file,
      id,
      pointer: problem.pointer,
      code: problem.code,
      message: problem.message,
    });
  }
  for (const problem of result.warnings) {
    // Bureau data is risk-only: for the catalog this is a hard error, not a lint.
    if (problem.code === 'marketing_reads_bureau') {
      errors.push({
        file,
        id,
        pointer: problem.pointer,
        code: 'purpose_violation',
        message: `purpose violation: ${problem.message}`,
      });
    } else {
      warnings.push({
        file,
        id,
        pointer: problem.pointer,
        code: problem.code,
        message: problem.message,
      });
    }
  }
  if (definition.kind === 'segment' && result.errors.length === 0) {
    const pointers = varPointers(rule);
    for (const path of ruleDependencies(rule).paths) {
      errors.push({
        file,
        id,
        pointer: `/rule${pointers.get(path) ?? ''}`,
        code: 'segment_reads_profile',
        message: `a segment reads tags only ({"var": "tags.<id>"}), not the profile path "${path}"`,
      });
    }
  }
}

function prefixed(result: ValidationResult, prefix: string): ValidationResult {
  const move = (problem: RuleProblem): RuleProblem => ({
    ...problem,
    pointer: `${prefix}${problem.pointer}`,
  });
  return { errors: result.errors.map(move), warnings: result.warnings.map(move) };
}

// A scorecard is checked as the reads it is made of: each characteristic's var against the schema,
// the catalog's tags and the purpose (a marketing scorecard may not read bureau.*).
function scorecardValidation(scorecard: Scorecard, options: ValidationOptions): ValidationResult {
  const errors: RuleProblem[] = [];
  const warnings: RuleProblem[] = [];
  scorecard.characteristics.forEach((characteristic, index) => {
    const result = prefixed(
      validateRule({ var: characteristic.var }, options),
      `/scorecard/characteristics/${index}/var`,
    );
    // The pointer inside {"var": ...} is /var: the characteristic's var is the whole read.
    const move = (problem: RuleProblem) => ({ ...problem, pointer: problem.pointer.replace(/\/var$/, '') });
    errors.push(...result.errors.map(move));
    warnings.push(...result.warnings.map(move));
  });
  return { errors, warnings };
}

function checkExamples(
  { file, definition }: LoadedDefinition,
  profileValidator: ProfileValidator,
  knownTags: ReadonlySet<string>,
  errors: CatalogProblem[],
  warnings: CatalogProblem[],
): void {
  const { id, kind } = definition;
  const examples = definition.examples ?? [];
  examples.forEach((example, index) => {
    const at = `/examples/${index}`;
    for (const problem of profileValidator.validate(example.profile)) {
      errors.push({
        file,
        id,
        pointer: `${at}/profile${problem.pointer}`,
        code: 'invalid_example',
        message: `example "${example.name}" does not match profile.schema.json: ${problem.message}`,
      });
    }
    if (example.now !== undefined) {
      try {
        parseNow(example.now);
      } catch (error) {
        errors.push({
          file,
          id,
          pointer: `${at}/now`,
          code: 'invalid_example',
          message: (error as Error).message,
        });
      }
    }
    for (const tagId of Object.keys(example.tags ?? {})) {
      if (!knownTags.has(tagId)) {
        errors.push({
          file,
          id,
          pointer: `${at}/tags/${tagId}`,
          code: 'unknown_tag',
          message: `example "${example.name}" fixes the unknown tag "${tagId}"`,
        });
      }
    }
  });
  const isFlag = kind === 'boolean' || kind === 'segment';
  const outcomes = new Set(
    examples.map((example) => JSON.stringify(isFlag ? example.expect === true : example.expect)),
  );
  if (outcomes.size < 2) {
    warnings.push({
      file,
      id,
      pointer: '/examples',
      code: 'examples_incomplete',
      message: isFlag
        ? 'add an example that sets the tag and one that does not'
        : 'add examples with two different outcomes (a value and no value, or two values)',
    });
  }
}

function cycleProblems(definitions: readonly LoadedDefinition[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const fileOf = new Map(definitions.map(({ file, definition }) => [definition.id, file]));
  let remaining = definitions.map(({ definition: { id, kind, rule } }) => ({ id, kind, rule }));
  // topologicalOrder names one cycle at a time: drop its members and look again.
  for (;;) {
    try {
      topologicalOrder(remaining);
      return problems;
    } catch (error) {
      if (!(error instanceof CatalogCycleError) || error.cycle.length === 0) throw error;
      const cycle = error.cycle[0] === error.cycle.at(-1) ? error.cycle : [...error.cycle, error.cycle[0]];
      const members = new Set(cycle);
      cycle.slice(0, -1).forEach((id, index) => {
        const rule = remaining.find((definition) => definition.id === id)?.rule;
        problems.push({
          file: fileOf.get(id) ?? '',
          id,
          // Point at the read of the next tag around the cycle.
          pointer: `/rule${varPointers(rule).get(`tags.${cycle[index + 1]}`) ?? ''}`,
          code: 'cycle',
          message: `dependency cycle: ${cycle.join(' -> ')}`,
        });
      });
      remaining = remaining.filter((definition) => !members.has(definition.id));
    }
  }
}
