import { truthy } from './json-logic-semantics';
import { TIME_OPERATOR_SET, argumentsOf, operatorOf } from './operators';
import { CompileOptions } from './rule-compiler';
import { RuleValidationError } from './rule-problem';
import { TraceNode, interpretTraced } from './rule-interpreter';
import { structuralProblems } from './rule-validator';

export interface Explanation {
  value: unknown;
  trace: TraceNode;
  // A short readable account of why the rule holds or not.
  account: string;
  // The data each var read, by path (inside some/all/... as `array[index].field`).
  reads: Record<string, unknown>;
  // Set when the rule throws for this data (value is then undefined).
  error?: string;
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==']);
const QUANTIFIERS = new Set(['some', 'all', 'none']);
const MAX_TEXT = 60;

function show(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'undefined';
  else if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

// Stands in for a value the reader may not see (and for anything computed from such values alone).
export const REDACTED = '‹redacted›';

export interface ExplainOptions extends CompileOptions {
  // Data paths whose values the reader may not see, e.g. `bureau.*` for a key without bureau:read.
  hiddenPaths?: (path: string) => boolean;
}

function mark(node: TraceNode): string {
  if (node.value === REDACTED) return '•';
  if (node.error !== undefined) return `⚠ ${node.error}`;
  return truthy(node.value) ? '✓' : '✗';
}

function ruleAt(rule: unknown, pointer: string): unknown {
  let node = rule;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node;
}

class Narrator {
  constructor(private readonly rule: unknown) {}

  // The child trace of argument i of `node`, if that argument was evaluated and is logic.
  private argument(node: TraceNode, i: number): TraceNode | undefined {
    const raw = (ruleAt(this.rule, node.pointer) as Record<string, unknown>)[node.op];
    const pointer = Array.isArray(raw)
      ? `${node.pointer}/${node.op.replace(/~/g, '~0').replace(/\//g, '~1')}/${i}`
      : undefined;
    return node.children.find(
      (child) => child.element === undefined && (pointer === undefined ? true : child.pointer === pointer),
    );
  }

  private args(node: TraceNode): unknown[] {
    return argumentsOf(ruleAt(this.rule, node.pointer) as object, node.op);
  }

  private operand(node: TraceNode, i: number): string {
    const child = this.argument(node, i);
    if (!child) return show(this.args(node)[i]);
    if (child.op === 'var') return `${child.path || 'data'} = ${show(child.value)}`;
    if (TIME_OPERATOR_SET.has(child.op)) {
      const inner = child.children[0];
      const of = inner?.op === 'var' ? `${inner.path} = ${show(inner.value)}` : show(child.inputs[0]);
      return `${child.op}(${of}) = ${show(child.value)}`;
    }
    return `${show(ruleAt(this.rule, child.pointer))} = ${show(child.value)}`;
  }

  describe(node: TraceNode): string {
    const args = this.args(node);
    if (COMPARISONS.has(node.op)) {
      const parts = args.slice(0, node.op.startsWith('<') ? 3 : 2).map((_, i) => this.operand(node, i));
      return `${parts.join(` ${node.op} `)} ${mark(node)}`;
    }
    switch (node.op) {
      case 'var':
        return `${node.path || 'data'} = ${show(node.value)} ${mark(node)}`;
      case '!!': {
        const child = this.argument(node, 0);
        const what = child?.op === 'var' ? `${child.path} = ${show(child.value)}` : show(args[0]);
        return `${what} is set ${mark(node)}`;
      }
      case '!': {
        const child = this.argument(node, 0);
        return `not (${child ? this.describe(child) : show(args[0])}) ${mark(node)}`;
      }
      case 'in':
        return `${this.operand(node, 0)} in ${show(node.inputs[1])} ${mark(node)}`;
      case 'missing':
      case 'missing_some':
        return `missing ${show(node.value)} ${mark(node)}`;
      default:
        if (QUANTIFIERS.has(node.op)) return this.quantifier(node, args);
        return `${show(ruleAt(this.rule, node.pointer))} = ${show(node.value)} ${mark(node)}`;
    }
  }

  private quantifier(node: TraceNode, args: unknown[]): string {
    const source = this.argument(node, 0);
    const array = source?.op === 'var' ? source.path || 'data' : show(args[0]);
    const items = Array.isArray(node.inputs[0]) ? node.inputs[0].length : 0;
    const inner = args[1];
    const op = operatorOf(inner);
    if (op !== undefined && COMPARISONS.has(op)) {
      const [left, right] = argumentsOf(inner as object, op);
      const field = operatorOf(left) === 'var' ? (left as { var: unknown }).var : undefined;
      if ((typeof field === 'string' || typeof field === 'number') && operatorOf(right) === undefined) {
        const path = field === '' ? `${array}[*]` : `${array}[*].${String(field)}`;
        return `${path}: ${node.op} ${op} ${show(right)} ${mark(node)}`;
      }
    }
    const matched = new Set(
      node.children
        .filter((child) => child.element !== undefined && truthy(child.value))
        .map((child) => child.element),
    );
    return `${array}[*]: ${node.op} of ${items} match ${show(inner)} (${matched.size} matched) ${mark(node)}`;
  }

  account(trace: TraceNode, error: string | undefined): string {
    let text: string;
    if (trace.op === 'and' || trace.op === 'or') {
      const parts = trace.children.map((child) => this.describe(child));
      const skipped = this.args(trace).length - trace.inputs.length;
      if (skipped > 0) parts.push(`${skipped} more not evaluated`);
      text = parts.join(trace.op === 'and' ? '; ' : ' | ');
      if (trace.op === 'or') text = `any of: ${text}`;
    } else if (trace.op === 'literal' || trace.op === '[]') {
      text = `${show(trace.value)} ${truthy(trace.value) ? '✓' : '✗'}`;
    } else {
      text = this.describe(trace);
    }
    return error === undefined ? text : `${text} — rule threw: ${error}`;
  }
}

/**
 * Evaluates a rule with a trace of every operator node: the value (the same as compile(rule)
 * gives), what each var read, and a short account such as
 * `bureau.score = 742 >= 700 ✓; cards[*].currentDpd: none > 0 ✓`.
 */
export function explain(
  rule: unknown,
  data: unknown,
  now: number,
  options: ExplainOptions = {},
): Explanation {
  const problems = structuralProblems(rule, options.unrestricted === true);
  if (problems.length > 0) throw new RuleValidationError(problems);
  const raw = interpretTraced(rule, data, now);
  const traced = options.hiddenPaths ? redactTraced(raw, options.hiddenPaths) : raw;
  const account = new Narrator(rule).account(traced.trace, traced.error);
  return traced.error === undefined
    ? { value: traced.value, trace: traced.trace, account, reads: traced.reads }
    : { value: undefined, trace: traced.trace, account, reads: traced.reads, error: traced.error };
}

// The trace with every hidden read, and every node computed from hidden reads (and literals) alone,
// replaced by REDACTED, in its value, its inputs and in the inputs of the node above; such reads are
// left out of `reads`. What stays shows the logic and the values the reader may see.
function redactTraced(
  traced: ReturnType<typeof interpretTraced>,
  hidden: (path: string) => boolean,
): ReturnType<typeof interpretTraced> {
  const readsHidden = (node: TraceNode): boolean => {
    if (node.op === 'var' || node.op === 'missing' || node.op === 'missing_some') {
      return node.path !== undefined && hidden(node.path);
    }
    return node.children.length > 0 && node.children.every(readsHidden);
  };
  const redact = (node: TraceNode): TraceNode => {
    if (readsHidden(node)) {
      return {
        ...node,
        value: REDACTED,
        inputs: node.inputs.map(() => REDACTED),
        children: node.children.map(redact),
        ...(node.error === undefined ? {} : { error: REDACTED }),
      };
    }
    const escaped = node.op.replace(/~/g, '~0').replace(/\//g, '~1');
    const hiddenArguments = new Set(
      node.children
        .filter((child) => child.element === undefined && readsHidden(child))
        .map((child) =>
          child.pointer === `${node.pointer}/${escaped}` ? 0 : Number(child.pointer.split('/').pop()),
        ),
    );
    return {
      ...node,
      inputs: node.inputs.map((input, index) => (hiddenArguments.has(index) ? REDACTED : input)),
      children: node.children.map(redact),
    };
  };
  const trace = redact(traced.trace);
  const reads = Object.fromEntries(Object.entries(traced.reads).filter(([path]) => !hidden(path)));
  return { ...traced, trace, reads };
}

// The credit-bureau section: `bureau` and everything under it.
export const isBureauPath = (path: string): boolean =>
  path === 'bureau' || path.startsWith('bureau.') || path.startsWith('bureau[');
