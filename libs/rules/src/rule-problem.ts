export const RuleProblemCodes = [
  'invalid_value',
  'invalid_object_literal',
  'unknown_operator',
  'forbidden_operator',
  'arity',
  'dynamic_var_path',
  'invalid_var_default',
  'invalid_missing_keys',
  'forbidden_path_segment',
  'unknown_path',
  'whole_data_read',
  'unknown_tag',
  'all_tags_read',
  'depth_limit',
  'node_limit',
  'array_limit',
  'string_limit',
  'unguarded_comparison',
  'marketing_reads_bureau',
] as const;

export type RuleProblemCode = (typeof RuleProblemCodes)[number];

export interface RuleProblem {
  code: RuleProblemCode;
  message: string;
  // RFC 6901 pointer into the rule; '' is the whole rule.
  pointer: string;
}

export class RuleValidationError extends Error {
  constructor(readonly problems: RuleProblem[]) {
    super(
      `invalid rule: ${problems
        .slice(0, 5)
        .map((problem) => `${problem.pointer || '/'} ${problem.message}`)
        .join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    );
    this.name = 'RuleValidationError';
  }
}
