// The operations object of json-logic-js 2.0.5: called with eagerly evaluated arguments.
export const EAGER_OPERATORS = [
  '==',
  '===',
  '!=',
  '!==',
  '>',
  '>=',
  '<',
  '<=',
  '!!',
  '!',
  '%',
  'log',
  'in',
  'cat',
  'substr',
  '+',
  '*',
  '-',
  '/',
  'min',
  'max',
  'merge',
  'var',
  'missing',
  'missing_some',
] as const;

// Handled inside jsonLogic.apply itself: they control the evaluation of their arguments.
export const SPECIAL_FORMS = [
  'if',
  '?:',
  'and',
  'or',
  'filter',
  'map',
  'reduce',
  'all',
  'none',
  'some',
] as const;

export const TIME_OPERATORS = ['days_since', 'months_since', 'years_since'] as const;

export type TimeOperator = (typeof TIME_OPERATORS)[number];

// Scoped operators evaluate their second argument with each array element as the data.
export const SCOPED_OPERATORS = new Set<string>(['filter', 'map', 'reduce', 'all', 'none', 'some']);

export const TIME_OPERATOR_SET = new Set<string>(TIME_OPERATORS);

// What json-logic-js (with our added operators) finds in its operations table.
export const OPERATION_TABLE = new Set<string>([...EAGER_OPERATORS, ...TIME_OPERATORS]);

// The tag dialect: everything json-logic-js knows except `log` (I/O); `method` does not exist in 2.0.5.
export const ALLOWED_OPERATORS = new Set<string>(
  [...EAGER_OPERATORS, ...SPECIAL_FORMS, ...TIME_OPERATORS].filter((op) => op !== 'log'),
);

export const FORBIDDEN_PATH_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * json-logic-js resolves a dotted operation name by walking own properties of its operations
 * table: `op.prototype.constructor` (any number of times) leads back to the function `op`; every
 * other dotted name throws, either "Unrecognized operation" or a TypeError. Returns the operator a
 * dotted name behaves as, or undefined when json-logic-js would throw.
 */
export function resolveDottedOperator(name: string): string | undefined {
  const parts = name.split('.');
  if (!OPERATION_TABLE.has(parts[0]) || parts.length % 2 === 0) return undefined;
  for (let i = 1; i < parts.length; i += 2) {
    if (parts[i] !== 'prototype' || parts[i + 1] !== 'constructor') return undefined;
  }
  return parts[0];
}

/** json-logic-js `is_logic`: a non-null, non-array object with exactly one own enumerable key. */
export function operatorOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  let found: string | undefined;
  // for..in stops after two keys, so a hostile object with a million keys costs nothing.
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (found !== undefined) return undefined;
    found = key;
  }
  return found;
}

export function argumentsOf(logic: object, op: string): unknown[] {
  const values = (logic as Record<string, unknown>)[op];
  return Array.isArray(values) ? values : [values];
}
