import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import stableStringify from 'fast-json-stable-stringify';
import { compileScorecard, scorecardProblems, type Scorecard } from '@tagforge/rules';
import { DEFINITION_SCHEMA } from './definition-schema';
import type { CatalogProblem, TagDefinition, TagDefinitionFile } from './tag-definition';

export interface LoadedDefinition {
  file: string;
  definition: TagDefinition;
}

export interface ReadDefinitions {
  // Definitions that pass the file format, first file wins for a duplicated id.
  definitions: LoadedDefinition[];
  // Every id declared by a file, well-formed or not: references to them are not "unknown".
  declaredIds: Set<string>;
  errors: CatalogProblem[];
}

let formatValidator: ValidateFunction | undefined;

function definitionFormat(): ValidateFunction {
  // Union types (`"type": ["string", "null"]`) are plain JSON Schema; strict mode only frowns on them.
  formatValidator ??= addFormats(new Ajv2020({ allErrors: true, allowUnionTypes: true })).compile(
    DEFINITION_SCHEMA,
  );
  return formatValidator;
}

/** File-format checks: JSON, definition.schema.json, id equal to the file name, unique ids. */
export function readDefinitions(files: readonly TagDefinitionFile[]): ReadDefinitions {
  const errors: CatalogProblem[] = [];
  const declaredIds = new Set<string>();
  const definitions: LoadedDefinition[] = [];
  const fileOfId = new Map<string, string>();
  const validate = definitionFormat();
  for (const { file, content, parseError } of files) {
    if (parseError !== undefined) {
      errors.push({ file, pointer: '', code: 'invalid_json', message: `not valid JSON: ${parseError}` });
      continue;
    }
    const id = declaredId(content);
    if (id !== undefined) declaredIds.add(id);
    if (!validate(content)) {
      for (const error of relevantErrors(validate.errors ?? [])) {
        errors.push({
          file,
          id,
          pointer: pointerOf(error),
          code: 'invalid_definition',
          message: messageOf(error),
        });
      }
      continue;
    }
    const ruleProblems = ruleOrScorecard(content as Record<string, unknown>);
    if (ruleProblems.length > 0) {
      errors.push(...ruleProblems.map((problem) => ({ file, id, ...problem })));
      continue;
    }
    const definition = withCompiledScorecard(content as TagDefinition);
    const stem = fileStem(file);
    if (stem !== definition.id) {
      errors.push({
        file,
        id: definition.id,
        pointer: '/id',
        code: 'id_mismatch',
        message: `id "${definition.id}" must equal the file name "${stem}"`,
      });
    }
    const first = fileOfId.get(definition.id);
    if (first !== undefined) {
      errors.push({
        file,
        id: definition.id,
        pointer: '/id',
        code: 'duplicate_id',
        message: `id "${definition.id}" is already defined in ${first}`,
      });
      continue;
    }
    fileOfId.set(definition.id, file);
    definitions.push({ file, definition });
  }
  return { definitions, declaredIds, errors };
}

// A definition has a rule or a scorecard. The service stores a scorecard with its compiled rule, so a
// rule beside a scorecard is accepted when it is exactly that compiled form.
function ruleOrScorecard(
  content: Record<string, unknown>,
): Pick<CatalogProblem, 'pointer' | 'code' | 'message'>[] {
  const hasRule = 'rule' in content;
  if (!('scorecard' in content)) {
    return hasRule
      ? []
      : [
          {
            pointer: '',
            code: 'invalid_definition',
            message: 'missing required field "rule" (or "scorecard")',
          },
        ];
  }
  const problems = scorecardProblems(content.scorecard as Scorecard);
  if (problems.length > 0) {
    return problems.map((problem) => ({
      pointer: `/scorecard${problem.pointer}`,
      code: 'invalid_scorecard',
      message: problem.message,
    }));
  }
  if (
    hasRule &&
    stableStringify(content.rule) !== stableStringify(compileScorecard(content.scorecard as Scorecard))
  ) {
    return [
      {
        pointer: '/rule',
        code: 'rule_and_scorecard',
        message: 'a definition has either a rule or a scorecard',
      },
    ];
  }
  return [];
}

function withCompiledScorecard(definition: TagDefinition): TagDefinition {
  if (definition.scorecard === undefined) return definition;
  const { id, name, kind, purpose, category, ...rest } = definition;
  return { id, name, kind, purpose, category, ...rest, rule: compileScorecard(definition.scorecard) };
}

function declaredId(content: unknown): string | undefined {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return undefined;
  const id = (content as Record<string, unknown>).id;
  return typeof id === 'string' ? id : undefined;
}

function fileStem(file: string): string {
  const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return name.endsWith('.json') ? name.slice(0, -'.json'.length) : name;
}

// `if` only says that a `then` failed; the `then` error itself carries the useful message.
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((error) => error.keyword !== 'if');
}

function pointerOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath}/${escapeToken(String(error.params.additionalProperty))}`;
  }
  return error.instancePath;
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field "${String(error.params.additionalProperty)}"`;
    case 'required':
      return `missing required field "${String(error.params.missingProperty)}"`;
    case 'not':
      // The schema's only `not` keeps a rule from being null.
      return 'must be a JSON Logic rule, not null';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
