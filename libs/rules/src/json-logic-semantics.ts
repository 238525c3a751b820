/* eslint-disable eqeqeq -- this file mirrors json-logic-js 2.0.5, whose operators use loose equality on purpose */
// Each function mirrors the json-logic-js 2.0.5 operation of the same name, statement for statement,
// so that coercions and thrown errors are the same.

export function truthy(value: unknown): boolean {
  // JSON Logic truthiness: like JavaScript, except that an empty array is false.
  return Array.isArray(value) ? value.length !== 0 : !!value;
}

export function looseEquals(a: unknown, b: unknown): boolean {
  return a == b;
}

export function looseNotEquals(a: unknown, b: unknown): boolean {
  return a != b;
}

export function varOperator(data: unknown, a: unknown, b: unknown): unknown {
  const notFound = b === undefined ? null : b;
  if (typeof a === 'undefined' || a === '' || a === null) return data;
  const segments = String(a).split('.');
  let current = data;
  for (let i = 0; i < segments.length; i += 1) {
    if (current === null || current === undefined) return notFound;
    current = (current as Record<string, unknown>)[segments[i]];
    if (current === undefined) return notFound;
  }
  return current;
}

export function inOperator(a: unknown, b: unknown): boolean {
  if (!b || typeof (b as { indexOf?: unknown }).indexOf === 'undefined') return false;
  return (b as { indexOf(value: unknown): number }).indexOf(a) !== -1;
}

export function substrOperator(source: unknown, start: unknown, end: unknown): string {
  if ((end as number) < 0) {
    const temp = String(source).substr(start as number);
    return temp.substr(0, temp.length + (end as number));
  }
  return String(source).substr(start as number, end as number);
}

export function catOperator(values: readonly unknown[]): string {
  return Array.prototype.join.call(values, '');
}

export function plusOperator(values: readonly unknown[]): number {
  return values.reduce<unknown>((a, b) => parseFloat(a as string) + parseFloat(b as string), 0) as number;
}

export function timesOperator(values: readonly unknown[]): unknown {
  return values.reduce((a, b) => parseFloat(a as string) * parseFloat(b as string));
}

export function minusOperator(a: unknown, b: unknown): number {
  return b === undefined ? -(a as number) : (a as number) - (b as number);
}

export function mergeOperator(values: readonly unknown[]): unknown[] {
  return values.reduce<unknown[]>((a, b) => a.concat(b), []);
}

export function lessThan(a: unknown, b: unknown, c: unknown): boolean {
  return c === undefined
    ? (a as number) < (b as number)
    : (a as number) < (b as number) && (b as number) < (c as number);
}

export function lessOrEqual(a: unknown, b: unknown, c: unknown): boolean {
  return c === undefined
    ? (a as number) <= (b as number)
    : (a as number) <= (b as number) && (b as number) <= (c as number);
}

export function unrecognizedOperation(op: string): never {
  throw new Error(`Unrecognized operation ${op}`);
}

// Keys for `missing`: one array argument is the key list, otherwise the arguments are.
export function missingKeys(values: readonly unknown[]): readonly unknown[] {
  return Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
}
