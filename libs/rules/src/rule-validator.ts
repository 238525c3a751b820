import { escapePointerSegment } from './json-pointer';
import {
  ALLOWED_OPERATORS,
  FORBIDDEN_PATH_SEGMENTS,
  SCOPED_OPERATORS,
  TIME_OPERATOR_SET,
  operatorOf,
} from './operators';
import { ProfileSchema, SchemaSet } from './profile-schema';
import { RuleProblem, RuleProblemCode } from './rule-problem';

export const RULE_LIMITS = { depth: 64, nodes: 5000, arrayItems: 10_000, stringLength: 10_000 } as const;

export interface ValidationOptions {
  // JSON Schema of the profile: `var` paths must exist in it. Omit to skip path checks.
  profileSchema?: unknown;
  // Tag ids a rule may read as {"var": "tags.<id>"}. Omit to skip tag checks.
  knownTags?: ReadonlySet<string>;
  purpose?: 'marketing' | 'risk' | 'service';
}

export interface ValidationResult {
  errors: RuleProblem[];
  warnings: RuleProblem[];
}

// [min, max] argument counts in the tag dialect; json-logic-js itself ignores extra arguments.
const ARITY: Record<string, readonly [number, number]> = {
  '==': [2, 2],
  '===': [2, 2],
  '!=': [2, 2],
  '!==': [2, 2],
  '>': [2, 2],
  '>=': [2, 2],
  '<': [2, 3],
  '<=': [2, 3],
  '!!': [1, 1],
  '!': [1, 1],
  '%': [2, 2],
  '/': [2, 2],
  '-': [1, 2],
  '+': [1, Infinity],
  '*': [1, Infinity],
  min: [1, Infinity],
  max: [1, Infinity],
  cat: [1, Infinity],
  merge: [1, Infinity],
  substr: [2, 3],
  in: [2, 2],
  var: [0, 2],
  missing: [0, Infinity],
  missing_some: [2, 2],
  if: [2, Infinity],
  '?:': [3, 3],
  and: [1, Infinity],
  or: [1, Infinity],
  some: [2, 2],
  all: [2, 2],
  none: [2, 2],
  filter: [2, 2],
  map: [2, 2],
  reduce: [2, 3],
  days_since: [1, 1],
  months_since: [1, 1],
  years_since: [1, 1],
};

const COMPARISONS = new Set(['<', '<=', '>', '>=']);
const EQUALITIES = new Set(['==', '!=', '===', '!==']);

interface Scope {
  id: number;
  // Schemas of this scope's data; undefined when paths are not checked.
  schema: SchemaSet | undefined;
  root: boolean;
}

// A pointer as a parent-linked path, rendered only when a problem is reported: most nodes have none.
interface Pointer {
  parent: Pointer | undefined;
  segment: string | number;
  text?: string;
}

function render(pointer: Pointer | undefined): string {
  if (pointer === undefined) return '';
  pointer.text ??= `${render(pointer.parent)}/${escapePointerSegment(pointer.segment)}`;
  return pointer.text;
}

function below(parent: Pointer | undefined, segment: string | number): Pointer {
  return { parent, segment };
}

interface Frame {
  node: unknown;
  pointer: Pointer | undefined;
  depth: number;
  scope: Scope;
  // The node's value is only tested for truthiness (argument of and/or/!/!!, an if condition).
  tested: boolean;
  parent: Frame | undefined;
  // Inside a var default: plain data (json-logic-js evaluates it, but it may hold no operator).
  literal?: boolean;
}

interface Comparison {
  path: string;
  scope: Scope;
  pointer: Pointer;
}

// Names and paths quoted in messages, cut short: they may be hostile megabyte strings.
function describe(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

function staticVarPath(node: unknown): { path: string; fallback: unknown } | undefined {
  if (operatorOf(node) !== 'var') return undefined;
  const raw = (node as { var: unknown }).var;
  const args: unknown[] = Array.isArray(raw) ? raw : [raw];
  const path = args[0];
  if (typeof path === 'string' || typeof path === 'number') return { path: String(path), fallback: args[1] };
  return undefined;
}

const VAR_DEFAULT_MESSAGE =
  'var default must be a literal: a string, number, boolean, null, or an array or object of them (no operators)';

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

class Validator {
  readonly errors: RuleProblem[] = [];
  readonly warnings: RuleProblem[] = [];
  private readonly schema: ProfileSchema | undefined;
  private readonly comparisons: Comparison[] = [];
  // Guarded paths per scope id.
  private readonly guards = new Map<number, Set<string>>();
  private scopes = 0;

  constructor(
    private readonly options: ValidationOptions,
    private readonly unrestricted: boolean,
    private readonly lint: boolean,
  ) {
    this.schema = options.profileSchema === undefined ? undefined : new ProfileSchema(options.profileSchema);
  }

  private error(code: RuleProblemCode, pointer: Pointer | undefined, message: string): void {
    this.errors.push({ code, message, pointer: render(pointer) });
  }

  private newScope(schema: SchemaSet | undefined, root: boolean): Scope {
    return { id: this.scopes++, schema, root };
  }

  run(rule: unknown): void {
    const stack: Frame[] = [
      {
        node: rule,
        pointer: undefined,
        depth: 1,
        scope: this.newScope(this.schema?.rootSet(), true),
        tested: true,
        parent: undefined,
      },
    ];
    let nodes = 0;
    let tooDeep = false;
    while (stack.length > 0) {
      const frame = stack.pop() as Frame;
      nodes += 1;
      if (nodes > RULE_LIMITS.nodes) {
        this.error('node_limit', frame.pointer, `rule has more than ${RULE_LIMITS.nodes} nodes`);
        return;
      }
      if (frame.depth > RULE_LIMITS.depth) {
        // Nothing below is looked at, so hostile nesting costs one frame per level up to here;
        // the first place is enough to report.
        if (!tooDeep)
          this.error('depth_limit', frame.pointer, `rule is nested deeper than ${RULE_LIMITS.depth} levels`);
        tooDeep = true;
        continue;
      }
      const children = this.visit(frame);
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
    }
    if (this.lint) this.warnUnguarded();
  }

  private visit(frame: Frame): Frame[] {
    const { node, pointer } = frame;
    switch (typeof node) {
      case 'string':
        if (node.length > RULE_LIMITS.stringLength) {
          this.error(
            'string_limit',
            pointer,
            `string literal longer than ${RULE_LIMITS.stringLength} characters`,
          );
        }
        return [];
      case 'number':
        if (!this.unrestricted && !Number.isFinite(node)) {
          this.error('invalid_value', pointer, `${String(node)} is not a JSON number`);
        }
        return [];
      case 'boolean':
        return [];
      case 'object':
        if (node === null) return [];
        if (this.isOwnAncestor(frame)) {
          // Only built objects can contain themselves; stop here rather than at the depth limit.
          this.error('invalid_value', pointer, 'the rule contains itself (a cycle is not JSON)');
          return [];
        }
        if (Array.isArray(node)) return this.visitArray(frame, node);
        return this.visitObject(frame, node);
      case 'undefined':
      case 'bigint':
      case 'function':
      case 'symbol':
        if (!this.unrestricted) this.error('invalid_value', pointer, `a ${typeof node} is not a JSON value`);
        return [];
    }
  }

  private isOwnAncestor(frame: Frame): boolean {
    for (let at = frame.parent; at !== undefined; at = at.parent) if (at.node === frame.node) return true;
    return false;
  }

  private visitArray(frame: Frame, array: unknown[]): Frame[] {
    if (array.length > RULE_LIMITS.arrayItems) {
      this.error(
        'array_limit',
        frame.pointer,
        `array of ${array.length} items, more than ${RULE_LIMITS.arrayItems}`,
      );
      return [];
    }
    const children: Frame[] = [];
    for (let i = 0; i < array.length; i += 1) {
      if (!(i in array)) {
        this.error('invalid_value', below(frame.pointer, i), 'sparse arrays are not JSON');
        return [];
      }
      children.push({
        node: array[i],
        pointer: below(frame.pointer, i),
        depth: frame.depth + 1,
        scope: frame.scope,
        tested: false,
        parent: frame,
        literal: frame.literal,
      });
    }
    return children;
  }

  private visitObject(frame: Frame, node: object): Frame[] {
    const op = operatorOf(node);
    if (frame.literal) return this.visitLiteralObject(frame, node, op);
    if (op === undefined || !isPlainObject(node)) {
      if (!this.unrestricted) {
        this.error(
          isPlainObject(node) ? 'invalid_object_literal' : 'invalid_value',
          frame.pointer,
          isPlainObject(node)
            ? 'an object must have exactly one key, the operator (json-logic-js would return it as a literal)'
            : 'only JSON objects are allowed',
        );
      }
      return [];
    }
    const raw = (node as Record<string, unknown>)[op];
    const base = below(frame.pointer, op);
    const args: unknown[] = Array.isArray(raw) ? raw : [raw];
    if (Array.isArray(raw) && raw.length > RULE_LIMITS.arrayItems) {
      this.error('array_limit', base, `${raw.length} arguments, more than ${RULE_LIMITS.arrayItems}`);
      return [];
    }
    const at = (i: number): Pointer => (Array.isArray(raw) ? below(base, i) : base);
    const child = (i: number, scope: Scope, tested = false): Frame => ({
      node: args[i],
      pointer: at(i),
      depth: frame.depth + 1,
      scope,
      tested,
      parent: frame,
      // The default of a var is data, checked as a literal (see visitLiteralObject).
      literal: !this.unrestricted && op === 'var' && i === 1,
    });
    if (Array.isArray(raw)) {
      for (let i = 0; i < raw.length; i += 1) {
        if (!(i in raw)) {
          this.error('invalid_value', at(i), 'sparse arrays are not JSON');
          return [];
        }
      }
    }
    if (!this.unrestricted && !this.checkOperator(op, args, frame, base, at)) {
      return args.map((_, i) => child(i, frame.scope));
    }
    if (this.unrestricted) return args.map((_, i) => child(i, frame.scope));
    switch (op) {
      case 'and':
      case 'or':
      case '!':
      case '!!':
        return args.map((_, i) => child(i, frame.scope, true));
      case 'if':
      case '?:':
        return args.map((_, i) => child(i, frame.scope, i % 2 === 0 && i < args.length - 1));
      default:
        if (SCOPED_OPERATORS.has(op)) {
          const inner = this.newScope(this.elementScope(op, args[0], frame.scope), false);
          return args.map((_, i) =>
            i === 1 ? child(i, inner, op !== 'map' && op !== 'reduce') : child(i, frame.scope),
          );
        }
        return args.map((_, i) => child(i, frame.scope));
    }
  }

  // A var default such as {"var": ["products", []]}: json-logic-js evaluates it, so an array's items
  // are evaluated too; the dialect keeps it plain data, held to the limits of every other literal.
  private visitLiteralObject(frame: Frame, node: object, op: string | undefined): Frame[] {
    if (!isPlainObject(node)) {
      this.error('invalid_value', frame.pointer, 'only JSON objects are allowed');
      return [];
    }
    if (op !== undefined) {
      // Reported once, then checked as the rule it would be, so its own problems show too.
      this.error('invalid_var_default', frame.pointer, VAR_DEFAULT_MESSAGE);
      return this.visitObject({ ...frame, literal: false }, node);
    }
    const keys = Object.keys(node);
    const long = keys.find((key) => key.length > RULE_LIMITS.stringLength);
    if (long !== undefined) {
      this.error('string_limit', frame.pointer, `key longer than ${RULE_LIMITS.stringLength} characters`);
      return [];
    }
    const forbidden = keys.find((key) => FORBIDDEN_PATH_SEGMENTS.has(key));
    if (forbidden !== undefined) {
      this.error('invalid_value', below(frame.pointer, forbidden), `key "${forbidden}" is not allowed`);
      return [];
    }
    return Object.entries(node).map(([key, value]) => ({
      node: value,
      pointer: below(frame.pointer, key),
      depth: frame.depth + 1,
      scope: frame.scope,
      tested: false,
      parent: frame,
      literal: true,
    }));
  }

  // Returns false when the operator is not allowed (its arguments are still checked).
  private checkOperator(
    op: string,
    args: unknown[],
    frame: Frame,
    base: Pointer,
    at: (i: number) => Pointer,
  ): boolean {
    if (!ALLOWED_OPERATORS.has(op)) {
      const name = `"${describe(op)}"`;
      if (op === 'log' || op === 'method' || op.includes('.')) {
        this.error('forbidden_operator', frame.pointer, `operator ${name} is not allowed in tag rules`);
      } else {
        this.error('unknown_operator', frame.pointer, `unknown operator ${name}`);
      }
      return false;
    }
    const [min, max] = ARITY[op];
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      this.error(
        'arity',
        base,
        `${op} takes ${expected} argument${max === 1 || (min === 1 && max === Infinity) ? '' : 's'}, got ${args.length}`,
      );
    }
    switch (op) {
      case 'var':
        this.checkVar(args, frame, at);
        break;
      case 'missing':
        this.checkMissing(args, frame, at);
        break;
      case 'missing_some': {
        const options = args[1];
        if (
          !Array.isArray(options) ||
          !options.every((key) => typeof key === 'string' || typeof key === 'number')
        ) {
          this.error('invalid_missing_keys', at(1), 'missing_some needs a literal array of paths');
        } else {
          options.forEach((key, i) => this.checkPath(String(key), frame.scope, below(at(1), i), true));
        }
        break;
      }
      default:
        break;
    }
    if (this.lint) this.collectLint(op, args, frame);
    return true;
  }

  private checkVar(args: unknown[], frame: Frame, at: (i: number) => Pointer): void {
    const [path] = args;
    if (path !== undefined && path !== null && typeof path !== 'string' && typeof path !== 'number') {
      this.error('dynamic_var_path', at(0), 'var path must be a literal string or number');
    } else if (typeof path === 'number' && !(Number.isInteger(path) && path >= 0)) {
      this.error('dynamic_var_path', at(0), 'a numeric var path must be a non-negative integer index');
    } else {
      this.checkPath(path === undefined || path === null ? '' : String(path), frame.scope, at(0), false);
    }
  }

  private checkMissing(args: unknown[], frame: Frame, at: (i: number) => Pointer): void {
    const first = args[0];
    const isKey = (key: unknown): boolean => typeof key === 'string' || typeof key === 'number';
    if (Array.isArray(first)) {
      if (!first.every(isKey)) {
        this.error('invalid_missing_keys', at(0), 'missing keys must be literal paths');
        return;
      }
      if (args.length > 1) {
        this.error('arity', at(1), 'missing ignores every argument after a list of keys');
      }
      first.forEach((key, i) => this.checkPath(String(key), frame.scope, below(at(0), i), true));
      return;
    }
    if (!args.every(isKey)) {
      this.error(
        'invalid_missing_keys',
        at(args.findIndex((key) => !isKey(key))),
        'missing keys must be literal paths',
      );
      return;
    }
    args.forEach((key, i) => this.checkPath(String(key), frame.scope, at(i), true));
  }

  private checkPath(path: string, scope: Scope, pointer: Pointer, inMissing: boolean): void {
    if (path.length > RULE_LIMITS.stringLength) return;
    const segments = path === '' ? [] : path.split('.');
    const forbidden = segments.find((segment) => FORBIDDEN_PATH_SEGMENTS.has(segment));
    if (forbidden !== undefined) {
      this.error('forbidden_path_segment', pointer, `path segment "${forbidden}" is not allowed`);
      return;
    }
    if (scope.root && (segments[0] === 'tags' || path === '')) {
      if (path === '') {
        if (this.options.profileSchema !== undefined) {
          this.error(
            'whole_data_read',
            pointer,
            'a rule may not read the whole profile; name the fields it reads',
          );
        }
      } else if (segments.length === 1) {
        this.error('all_tags_read', pointer, 'read one tag at a time: {"var": "tags.<id>"}');
      } else if (this.options.knownTags && !this.options.knownTags.has(segments.slice(1).join('.'))) {
        this.error('unknown_tag', pointer, `unknown tag "${describe(segments.slice(1).join('.'))}"`);
      }
      return;
    }
    if (scope.root && this.options.purpose === 'marketing' && segments[0] === 'bureau') {
      this.warnings.push({
        code: 'marketing_reads_bureau',
        message: `a marketing rule reads bureau data ("${describe(path)}"); read a risk tag such as tags.low_risk instead`,
        pointer: render(pointer),
      });
    }
    if (
      this.schema &&
      scope.schema !== undefined &&
      this.schema.resolve(scope.schema, segments) === undefined
    ) {
      const where = scope.root ? 'the profile schema' : 'the array element schema';
      this.error(
        'unknown_path',
        pointer,
        `${inMissing ? 'missing key' : 'path'} "${describe(path)}" is not in ${where}`,
      );
    }
  }

  private elementScope(op: string, source: unknown, scope: Scope): SchemaSet | undefined {
    if (!this.schema || scope.schema === undefined) return undefined;
    const elements = this.elementsOf(source, scope.schema);
    if (op !== 'reduce') return elements;
    const current = elements === 'any' ? true : { anyOf: elements };
    return [
      { type: 'object', properties: { current, accumulator: true }, required: ['current', 'accumulator'] },
    ];
  }

  private elementsOf(source: unknown, schema: SchemaSet): SchemaSet {
    const variable = staticVarPath(source);
    const profile = this.schema as ProfileSchema;
    if (variable && variable.path !== '') {
      const array = profile.resolve(schema, variable.path.split('.'));
      return (array && profile.child(array, '0')) ?? 'any';
    }
    if (operatorOf(source) === 'filter') {
      const args = (source as { filter: unknown }).filter;
      return this.elementsOf(Array.isArray(args) ? args[0] : args, schema);
    }
    return 'any';
  }

  private guard(scope: Scope, node: unknown): void {
    let target = node;
    const op = operatorOf(node);
    if (op !== undefined && TIME_OPERATOR_SET.has(op)) {
      const raw = (node as Record<string, unknown>)[op];
      target = Array.isArray(raw) ? raw[0] : raw;
    }
    const variable = staticVarPath(target);
    if (!variable) return;
    let set = this.guards.get(scope.id);
    if (!set) this.guards.set(scope.id, (set = new Set()));
    set.add(variable.path);
  }

  private collectLint(op: string, args: unknown[], frame: Frame): void {
    const { scope } = frame;
    // A var (or a time operator on one) whose truthiness is tested guards its path.
    if (frame.tested) this.guard(scope, frame.node);
    if (op === '!' || op === '!!') this.guard(scope, args[0]);
    if (op === 'missing' || op === 'missing_some') {
      const keys = op === 'missing_some' ? args[1] : Array.isArray(args[0]) ? args[0] : args;
      if (Array.isArray(keys)) keys.forEach((key) => this.guard(scope, { var: key }));
    }
    if (EQUALITIES.has(op) && (args[0] === null || args[1] === null))
      this.guard(scope, args[args[0] === null ? 1 : 0]);
    if (!COMPARISONS.has(op)) return;
    // Comparing strings with strings is not the null-as-0 trap.
    const numeric = !args.some((arg) => typeof arg === 'string');
    if (!numeric) return;
    args.forEach((arg, i) => {
      let target = arg;
      const inner = operatorOf(arg);
      if (inner !== undefined && TIME_OPERATOR_SET.has(inner)) {
        const raw = (arg as Record<string, unknown>)[inner];
        target = Array.isArray(raw) ? raw[0] : raw;
      }
      const variable = staticVarPath(target);
      if (
        !variable ||
        variable.path === '' ||
        (variable.fallback !== undefined && variable.fallback !== null)
      )
        return;
      if (scope.root && variable.path.split('.')[0] === 'tags') return;
      const raw = (frame.node as Record<string, unknown>)[op];
      const base = below(frame.pointer, op);
      const pointer = Array.isArray(raw) ? below(base, i) : base;
      this.comparisons.push({ path: variable.path, scope, pointer });
    });
  }

  private warnUnguarded(): void {
    for (const { path, scope, pointer } of this.comparisons) {
      if (this.guards.get(scope.id)?.has(path)) continue;
      if (this.schema && scope.schema !== undefined && this.schema.isRequired(scope.schema, path.split('.')))
        continue;
      this.warnings.push({
        code: 'unguarded_comparison',
        message:
          `"${describe(path)}" may be missing, and a missing value is null, which compares as 0; ` +
          `guard it, e.g. {"!!": {"var": "${describe(path)}"}} in an "and"`,
        pointer: render(pointer),
      });
    }
  }
}

/**
 * Checks a rule against the tag dialect and reports every problem at once, each with an RFC 6901
 * pointer. Hostile input is cut short: nothing deeper than the depth limit or beyond the node
 * limit is visited, and the walk uses an explicit stack.
 */
export function validateRule(rule: unknown, options: ValidationOptions = {}): ValidationResult {
  const validator = new Validator(options, false, true);
  validator.run(rule);
  return { errors: validator.errors, warnings: validator.warnings };
}

/** The problems that stop compile(): the dialect without schema, tags or lints; only limits when unrestricted. */
export function structuralProblems(rule: unknown, unrestricted: boolean): RuleProblem[] {
  const validator = new Validator({}, unrestricted, false);
  validator.run(rule);
  return validator.errors;
}
