import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { escapePointerToken } from './json-pointer';

export interface ProfileProblem {
  // RFC 6901 pointer into the validated document; for unknown and missing fields it names the field.
  pointer: string;
  message: string;
  // The JSON Schema keyword that failed (`type`, `minimum`, `additionalProperties`, ...).
  keyword: string;
}

// Validates profile documents against the profile JSON Schema (2020-12). The caller loads the schema;
// it is compiled once here. Ajv runs without coercion or defaults, so documents are never modified.
// The schema keyword holding a field's Chinese title.
export const PROFILE_TITLE_ZH = 'x-title-zh';

export class ProfileValidator {
  private static readonly compiled = new WeakMap<object, ProfileValidator>();
  private readonly validateFunction: ValidateFunction;

  // One compiled validator per schema object: compiling costs far more than validating, and the
  // catalog checks run on every definitions request.
  static for(schema: object): ProfileValidator {
    let validator = ProfileValidator.compiled.get(schema);
    if (!validator) ProfileValidator.compiled.set(schema, (validator = new ProfileValidator(schema)));
    return validator;
  }

  constructor(schema: object) {
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    // Annotations of ours: a protected attribute (sex, marital status) never enters a credit score;
    // field titles for people in Chinese beside `title` (explanations read them).
    ajv.addKeyword({ keyword: 'x-protected', schemaType: 'boolean' });
    ajv.addKeyword({ keyword: PROFILE_TITLE_ZH, schemaType: 'string' });
    this.validateFunction = ajv.compile(schema);
  }

  validate(document: unknown): ProfileProblem[] {
    if (this.validateFunction(document)) return [];
    return (this.validateFunction.errors ?? []).map(toProblem);
  }
}

function toProblem(error: ErrorObject): ProfileProblem {
  const { keyword, instancePath, params } = error;
  const at = (field: string) => `${instancePath}/${escapePointerToken(field)}`;
  switch (keyword) {
    case 'additionalProperties':
      return {
        pointer: at(params.additionalProperty),
        message: `unknown field '${params.additionalProperty}'`,
        keyword,
      };
    case 'unevaluatedProperties':
      return {
        pointer: at(params.unevaluatedProperty),
        message: `unknown field '${params.unevaluatedProperty}'`,
        keyword,
      };
    case 'required':
      return {
        pointer: at(params.missingProperty),
        message: `missing required field '${params.missingProperty}'`,
        keyword,
      };
    case 'type':
      return {
        pointer: instancePath,
        message: `must be ${String(params.type).split(',').join(' or ')}`,
        keyword,
      };
    case 'enum':
      return {
        pointer: instancePath,
        message: `must be one of ${describeValues(params.allowedValues)}`,
        keyword,
      };
    case 'const':
      return { pointer: instancePath, message: `must be ${JSON.stringify(params.allowedValue)}`, keyword };
    case 'format':
      return { pointer: instancePath, message: `must be a valid ${params.format}`, keyword };
    default:
      // Ajv's own messages read well for the rest ("must be >= 300", "must NOT have more than 6 items").
      return { pointer: instancePath, message: error.message ?? 'is invalid', keyword };
  }
}

function describeValues(values: unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}
