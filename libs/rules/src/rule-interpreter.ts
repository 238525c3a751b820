import {
  catOperator,
  inOperator,
  lessOrEqual,
  lessThan,
  looseEquals,
  looseNotEquals,
  mergeOperator,
  minusOperator,
  missingKeys,
  plusOperator,
  substrOperator,
  timesOperator,
  truthy,
  unrecognizedOperation,
  varOperator,
} from './json-logic-semantics';
import { OPERATION_TABLE, operatorOf, resolveDottedOperator } from './operators';
import { escapePointerSegment } from './json-pointer';
import { daysSince, monthsSince, yearsSince } from './time-operators';

export interface TraceNode {
  // RFC 6901 pointer to this node in the rule.
  pointer: string;
  // The operator, or '[]' for an array of rules.
  op: string;
  // Evaluated arguments in order; for and/or/if only those evaluated; for scoped operators the array.
  inputs: unknown[];
  value: unknown;
  children: TraceNode[];
  // var / missing: the data path read; inside some/all/... prefixed with the array and element index.
  path?: string;
  // Children of scoped operators are traced once per array element.
  element?: number;
  error?: string;
}

export interface TracedResult {
  value: unknown;
  trace: TraceNode;
  reads: Record<string, unknown>;
  error?: string;
}

function joinLabel(label: string, path: unknown): string {
  if (path === undefined || path === '' || path === null) return label;
  return label === '' ? String(path) : `${label}.${String(path)}`;
}

/**
 * A direct port of jsonLogic.apply (json-logic-js 2.0.5) with the added operators and optional
 * tracing. The compiler is the fast path; this one serves explain() and the rare dynamic corners of
 * unrestricted rules (data used as logic by `missing`), and is tested to agree with both.
 */
class Interpreter {
  constructor(
    private readonly now: number,
    private readonly reads: Record<string, unknown> | undefined,
  ) {}

  apply(
    logic: unknown,
    data: unknown,
    pointer: string,
    label: string,
    sink: TraceNode[] | undefined,
  ): unknown {
    if (Array.isArray(logic)) {
      const node = sink && this.open(sink, pointer, '[]');
      const children = node?.children;
      const value = logic.map((item: unknown, i) =>
        this.apply(item, data, children ? `${pointer}/${i}` : '', label, children),
      );
      if (node) {
        node.inputs = value;
        node.value = value;
      }
      return value;
    }
    const op = operatorOf(logic);
    if (op === undefined) return logic;
    if (!sink) return this.operate(op, logic as object, data, '', label, undefined);
    const node = this.open(sink, pointer, op);
    try {
      node.value = this.operate(op, logic as object, data, pointer, label, node);
    } catch (error) {
      node.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
    return node.value;
  }

  private open(sink: TraceNode[], pointer: string, op: string): TraceNode {
    const node: TraceNode = { pointer, op, inputs: [], value: undefined, children: [] };
    sink.push(node);
    return node;
  }

  private operate(
    op: string,
    logic: object,
    data: unknown,
    pointer: string,
    label: string,
    node: TraceNode | undefined,
  ): unknown {
    const raw = (logic as Record<string, unknown>)[op];
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const base = node ? `${pointer}/${escapePointerSegment(op)}` : '';
    const at = (i: number): string => (node ? (Array.isArray(raw) ? `${base}/${i}` : base) : '');
    const kids = node?.children;
    const run = (i: number, scoped: unknown = data): unknown => {
      const value = this.apply(values[i], scoped, at(i), label, kids);
      node?.inputs.push(value);
      return value;
    };
    let i: number;
    let current: unknown;
    switch (op) {
      case 'if':
      case '?:':
        for (i = 0; i < values.length - 1; i += 2) {
          if (truthy(run(i))) return run(i + 1);
        }
        if (values.length === i + 1) return run(i);
        return null;
      case 'and':
        for (i = 0; i < values.length; i += 1) {
          current = run(i);
          if (!truthy(current)) return current;
        }
        return current;
      case 'or':
        for (i = 0; i < values.length; i += 1) {
          current = run(i);
          if (truthy(current)) return current;
        }
        return current;
      case 'filter':
      case 'map':
      case 'reduce':
      case 'all':
      case 'none':
      case 'some':
        return this.scoped(op, values, data, label, node, run, at(1));
      default:
        return this.eager(
          op,
          values.map((_, index) => run(index)),
          data,
          label,
          node,
        );
    }
  }

  private scoped(
    op: string,
    values: unknown[],
    data: unknown,
    label: string,
    node: TraceNode | undefined,
    run: (i: number) => unknown,
    logicPointer: string,
  ): unknown {
    const scopedData = run(0);
    const scopedLogic = values[1];
    const source = operatorOf(values[0]) === 'var' ? (values[0] as { var: unknown }).var : undefined;
    const sourceLabel =
      typeof source === 'string' || typeof source === 'number' ? joinLabel(label, source) : `${label}(${op})`;
    const element = (datum: unknown, index: number): unknown => {
      if (!node) return this.apply(scopedLogic, datum, '', '', undefined);
      const before = node.children.length;
      const value = this.apply(scopedLogic, datum, logicPointer, `${sourceLabel}[${index}]`, node.children);
      for (let k = before; k < node.children.length; k += 1) node.children[k].element = index;
      return value;
    };
    let i: number;
    switch (op) {
      case 'filter':
        if (!Array.isArray(scopedData)) return [];
        return scopedData.filter((datum: unknown, index) => truthy(element(datum, index)));
      case 'map':
        if (!Array.isArray(scopedData)) return [];
        return scopedData.map((datum: unknown, index) => element(datum, index));
      case 'reduce': {
        const initial = typeof values[2] !== 'undefined' ? run(2) : null;
        if (!Array.isArray(scopedData)) return initial;
        return scopedData.reduce(
          (accumulator: unknown, current: unknown, index: number) =>
            element({ current: current, accumulator: accumulator }, index),
          initial,
        );
      }
      case 'all':
        if (!Array.isArray(scopedData) || !scopedData.length) return false;
        for (i = 0; i < scopedData.length; i += 1) {
          if (!truthy(element(scopedData[i], i))) return false;
        }
        return true;
      case 'none':
        if (!Array.isArray(scopedData) || !scopedData.length) return true;
        for (i = 0; i < scopedData.length; i += 1) {
          if (truthy(element(scopedData[i], i))) return false;
        }
        return true;
      default:
        if (!Array.isArray(scopedData) || !scopedData.length) return false;
        for (i = 0; i < scopedData.length; i += 1) {
          if (truthy(element(scopedData[i], i))) return true;
        }
        return false;
    }
  }

  private eager(
    op: string,
    values: unknown[],
    data: unknown,
    label: string,
    node: TraceNode | undefined,
  ): unknown {
    if (!OPERATION_TABLE.has(op)) {
      const resolved = op.indexOf('.') > 0 ? resolveDottedOperator(op) : undefined;
      if (resolved === undefined) return unrecognizedOperation(op);
      op = resolved;
    }
    const [a, b, c] = values;
    switch (op) {
      case '==':
        return looseEquals(a, b);
      case '===':
        return a === b;
      case '!=':
        return looseNotEquals(a, b);
      case '!==':
        return a !== b;
      case '>':
        return (a as number) > (b as number);
      case '>=':
        return (a as number) >= (b as number);
      case '<':
        return lessThan(a, b, c);
      case '<=':
        return lessOrEqual(a, b, c);
      case '!!':
        return truthy(a);
      case '!':
        return !truthy(a);
      case '%':
        return (a as number) % (b as number);
      case 'log':
        // json-logic-js prints the value; rules are pure, so we only return it.
        return a;
      case 'in':
        return inOperator(a, b);
      case 'cat':
        return catOperator(values);
      case 'substr':
        return substrOperator(a, b, c);
      case '+':
        return plusOperator(values);
      case '*':
        return timesOperator(values);
      case '-':
        return minusOperator(a, b);
      case '/':
        return (a as number) / (b as number);
      case 'min':
        return Math.min(...(values as number[]));
      case 'max':
        return Math.max(...(values as number[]));
      case 'merge':
        return mergeOperator(values);
      case 'var': {
        const value = varOperator(data, a, b);
        if (node) {
          node.path = joinLabel(label, a);
          if (this.reads) this.reads[node.path] = value;
        }
        return value;
      }
      case 'missing': {
        const missing: unknown[] = [];
        const keys = missingKeys(values);
        for (let i = 0; i < keys.length; i += 1) {
          const key = keys[i];
          const value = this.apply({ var: key }, data, '', label, undefined);
          if (node && this.reads && (typeof key === 'string' || typeof key === 'number')) {
            this.reads[joinLabel(label, key)] = value;
          }
          if (value === null || value === '') missing.push(key);
        }
        return missing;
      }
      case 'missing_some': {
        // json-logic-js applies {"missing": options} again: the evaluated options are read as logic.
        const areMissing = this.apply({ missing: b }, data, '', label, undefined) as unknown[];
        if (node && this.reads && Array.isArray(b)) {
          for (const key of b) {
            if (typeof key === 'string' || typeof key === 'number') {
              this.reads[joinLabel(label, key)] = varOperator(data, key, undefined);
            }
          }
        }
        if ((b as unknown[]).length - areMissing.length >= (a as number)) return [];
        return areMissing;
      }
      case 'days_since':
        return daysSince(a, this.now);
      case 'months_since':
        return monthsSince(a, this.now);
      default:
        return yearsSince(a, this.now);
    }
  }
}

/** Evaluates like json-logic-js (with the added operators), without tracing. */
export function interpret(rule: unknown, data: unknown, now: number): unknown {
  return new Interpreter(now, undefined).apply(rule, data, '', '', undefined);
}

/** Evaluates with a trace of every operator node and the data each `var` read. */
export function interpretTraced(rule: unknown, data: unknown, now: number): TracedResult {
  const reads: Record<string, unknown> = {};
  const sink: TraceNode[] = [];
  const interpreter = new Interpreter(now, reads);
  let value: unknown;
  let error: string | undefined;
  try {
    value = interpreter.apply(rule, data, '', '', sink);
  } catch (thrown) {
    error = thrown instanceof Error ? thrown.message : String(thrown);
  }
  const trace = sink[0] ?? { pointer: '', op: 'literal', inputs: [], value: rule, children: [] };
  return error === undefined ? { value, trace, reads } : { value: undefined, trace, reads, error };
}
