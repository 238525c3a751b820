import {
  inOperator,
  missingKeys,
  substrOperator,
  truthy,
  unrecognizedOperation,
  varOperator,
} from './json-logic-semantics';
import { OPERATION_TABLE, argumentsOf, operatorOf, resolveDottedOperator } from './operators';
import { RuleValidationError } from './rule-problem';
import { interpret } from './rule-interpreter';
import { daysSince, monthsSince, yearsSince } from './time-operators';
import { structuralProblems } from './rule-validator';

export type CompiledRule = (data: unknown, now: number) => unknown;

export interface CompileOptions {
  /**
   * Accept every rule json-logic-js accepts (dynamic `var` paths and `missing` keys, any arity,
   * `log`, unknown operators that throw when reached); only the size limits remain. For the
   * conformance suite and differential tests, never for tag definitions.
   */
  unrestricted?: boolean;
}

// Static result types of generated expressions: a bit set, so unions are `|`.
const UNDEFINED = 1;
const NULL = 2;
const BOOLEAN = 4;
const NUMBER = 8;
const STRING = 16;
const ARRAY = 32;
const OBJECT = 64;
const ANY = 127;

interface Code {
  // A JavaScript expression, parenthesised unless it is a primary expression.
  js: string;
  type: number;
}

const SIMPLE = /^(?:[A-Za-z_$][\w$]*|-?\d[\d.e+-]*|"(?:[^"\\]|\\.)*"|\(-[\d.e+-]+\))$/;

function isPrimitiveKey(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function isLiteral(value: unknown): boolean {
  return !Array.isArray(value) && operatorOf(value) === undefined;
}

// Runtime helpers the generated code receives; each keeps json-logic-js semantics.
const helpers = {
  $truthy: truthy,
  $pf: parseFloat,
  $min: Math.min,
  $max: Math.max,
  $str: (value: unknown): string => (value === null || value === undefined ? '' : String(value)),
  $in: inOperator,
  $substr: substrOperator,
  $var: varOperator,
  $days: daysSince,
  $months: monthsSince,
  $years: yearsSince,
  $unrecognized: unrecognizedOperation,
  $reduceEmpty: (): never => {
    throw new TypeError('Reduce of empty array with no initial value');
  },
  $filter: (array: unknown, predicate: (datum: unknown) => boolean): unknown[] =>
    Array.isArray(array) ? array.filter(predicate) : [],
  $map: (array: unknown, mapper: (datum: unknown) => unknown): unknown[] =>
    Array.isArray(array) ? array.map(mapper) : [],
  $reduce: (
    array: unknown,
    reducer: (accumulator: unknown, current: unknown) => unknown,
    initial: unknown,
  ) => (Array.isArray(array) ? array.reduce(reducer, initial) : initial),
  // Dynamic keys are looked up as {"var": key}: a key that is itself logic is evaluated, as in json-logic-js.
  $missing: (data: unknown, now: number, values: unknown[]): unknown[] => {
    const missing: unknown[] = [];
    const keys = missingKeys(values);
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i];
      const value =
        typeof key === 'object' && key !== null
          ? interpret({ var: key }, data, now)
          : varOperator(data, key, undefined);
      if (value === null || value === '') missing.push(key);
    }
    return missing;
  },
  $missingSome: (data: unknown, now: number, need: unknown, options: unknown): unknown[] => {
    const areMissing = interpret({ missing: options }, data, now) as unknown[];
    return (options as unknown[]).length - areMissing.length >= (need as number) ? [] : areMissing;
  },
};

const HELPER_NAMES = Object.keys(helpers).join(', ');

interface Read {
  name: string;
  // The walk emitted at the first site: a read used once is put back in place, without a variable.
  walk: string;
  count: number;
}

class Scope {
  readonly temps: string[] = [];
  // Literal-path reads emitted in this scope, by default and path: data cannot change during one
  // evaluation, so each is walked once. A read never yields undefined, which therefore marks
  // "not read yet".
  readonly reads = new Map<string, Read>();

  // In a reducer that never needs the {current, accumulator} object: reads start from the arguments.
  constructor(readonly reducer = false) {}

  sharedReads(): string[] {
    return [...this.reads.values()].filter((read) => read.count > 1).map((read) => read.name);
  }

  inlineSingleReads(text: string): string {
    for (const read of this.reads.values()) {
      if (read.count !== 1) continue;
      text = text.replace(
        `(${read.name} === void 0 ? (${read.name} = ${read.walk}) : ${read.name})`,
        () => read.walk,
      );
    }
    return text;
  }
}

// True when the logic, in its own scope, only reads literal paths below `current` / `accumulator`.
function readsOnlyReducerArguments(logic: unknown): boolean {
  if (Array.isArray(logic)) return logic.every(readsOnlyReducerArguments);
  const op = operatorOf(logic);
  if (op === undefined) return true;
  const values = argumentsOf(logic as object, op);
  switch (op) {
    case 'var': {
      const [path, fallback] = values;
      if (typeof path !== 'string' || values.length > 2 || !isLiteral(fallback)) return false;
      const first = path.split('.')[0];
      return first === 'current' || first === 'accumulator';
    }
    case 'missing':
    case 'missing_some':
      return false;
    case 'filter':
    case 'map':
    case 'all':
    case 'none':
    case 'some':
      return readsOnlyReducerArguments(values[0]);
    case 'reduce':
      return readsOnlyReducerArguments(values[0]) && readsOnlyReducerArguments(values[2]);
    default:
      return values.every(readsOnlyReducerArguments);
  }
}

class CodeGenerator {
  readonly constants: unknown[] = [];
  readonly functions: string[] = [];
  usesNow = false;
  private counter = 0;
  private scope = new Scope();

  root(rule: unknown): string {
    const body = this.scope.inlineSingleReads(this.value(rule).js);
    return this.declare(this.scope) + (this.usesNow ? 'now = $now; ' : '') + `return ${body};`;
  }

  private declare(scope: Scope, withReads = true): string {
    const names = withReads ? [...scope.temps, ...scope.sharedReads()] : scope.temps;
    return names.length ? `let ${names.join(', ')}; ` : '';
  }

  private temp(): string {
    const name = `t${this.counter++}`;
    this.scope.temps.push(name);
    return name;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  private hold(code: Code, sequence: string[]): Code {
    if (SIMPLE.test(code.js)) return code;
    const name = this.temp();
    sequence.push(`${name} = ${code.js}`);
    return { js: name, type: code.type };
  }

  // `body` may declare the scope's reads itself (in a loop body, fresh per element).
  private fn(
    params: string,
    body: (scope: Scope) => string,
    scope = new Scope(),
    readsDeclared = false,
  ): string {
    const saved = this.scope;
    this.scope = scope;
    const text = scope.inlineSingleReads(body(scope));
    const declared = this.declare(scope, !readsDeclared);
    this.scope = saved;
    const name = `f${this.functions.length}`;
    this.functions.push(`function ${name}(${params}) { ${declared}${text} }`);
    return name;
  }

  literal(value: unknown): Code {
    switch (typeof value) {
      case 'string':
        return { js: JSON.stringify(value), type: STRING };
      case 'number':
        if (Object.is(value, -0)) return { js: '(-0)', type: NUMBER };
        if (!Number.isFinite(value)) return { js: this.constant(value), type: NUMBER };
        return { js: value < 0 ? `(${String(value)})` : String(value), type: NUMBER };
      case 'boolean':
        return { js: value ? 'true' : 'false', type: BOOLEAN };
      case 'undefined':
        return { js: '(void 0)', type: UNDEFINED };
      case 'object':
        if (value === null) return { js: 'null', type: NULL };
        // Multi-key and empty objects are literals; json-logic-js returns the very same object.
        return { js: this.constant(value), type: OBJECT };
      case 'bigint':
      case 'function':
      case 'symbol':
        return { js: this.constant(value), type: ANY };
    }
  }

  value(node: unknown): Code {
    if (Array.isArray(node)) {
      return { js: `[${node.map((item: unknown) => this.value(item).js).join(', ')}]`, type: ARRAY };
    }
    const op = operatorOf(node);
    if (op === undefined) return this.literal(node);
    return this.operation(op, argumentsOf(node as object, op));
  }

  // A boolean expression equal to truthy(value(node)), without building values only tested.
  test(node: unknown): string {
    if (Array.isArray(node)) {
      if (node.length === 0) return 'false';
      return node.every(isLiteral) ? 'true' : `(${this.value(node).js}, true)`;
    }
    const op = operatorOf(node);
    if (op === undefined) return truthy(node) ? 'true' : 'false';
    const values = argumentsOf(node as object, op);
    switch (op) {
      case 'and':
        return values.length === 0 ? 'false' : `(${values.map((value) => this.test(value)).join(' && ')})`;
      case 'or':
        return values.length === 0 ? 'false' : `(${values.map((value) => this.test(value)).join(' || ')})`;
      case 'if':
      case '?:':
        return this.conditional(values, 0, (value) => this.test(value), 'false');
      case 'missing': {
        const keys = this.staticMissingKeys(values);
        if (keys === undefined || values.slice(1).some((value) => !isLiteral(value))) break;
        return keys.length === 0 ? 'false' : `(${keys.map((key) => this.isMissing(key)).join(' || ')})`;
      }
      default:
        break;
    }
    return this.booleanOf(this.operation(op, values));
  }

  private booleanOf(code: Code): string {
    if (code.type === BOOLEAN) return code.js;
    return code.type & ARRAY ? `$truthy(${code.js})` : `!!${code.js}`;
  }

  private conditional(
    values: unknown[],
    i: number,
    branch: (value: unknown) => string,
    otherwise: string,
  ): string {
    if (i < values.length - 1) {
      return `(${this.test(values[i])} ? ${branch(values[i + 1])} : ${this.conditional(values, i + 2, branch, otherwise)})`;
    }
    return values.length === i + 1 ? branch(values[i]) : otherwise;
  }

  private operation(op: string, values: unknown[]): Code {
    switch (op) {
      case 'if':
      case '?:': {
        let type = 0;
        const js = this.conditional(
          values,
          0,
          (value) => {
            const code = this.value(value);
            type |= code.type;
            return code.js;
          },
          'null',
        );
        if (values.length % 2 === 0) type |= NULL;
        return { js, type };
      }
      case 'and':
      case 'or':
        return this.logical(op, values);
      case 'some':
      case 'all':
      case 'none':
        return this.quantifier(op, values);
      case 'filter': {
        const source = this.value(values[0]).js;
        const predicate = this.fn('data', () => `return ${this.test(values[1])};`);
        return { js: `$filter(${source}, ${predicate})`, type: ARRAY };
      }
      case 'map': {
        const source = this.value(values[0]).js;
        const mapper = this.fn('data', () => `return ${this.value(values[1]).js};`);
        return { js: `$map(${source}, ${mapper})`, type: ARRAY };
      }
      case 'reduce': {
        const source = this.value(values[0]).js;
        const initial = typeof values[2] !== 'undefined' ? this.value(values[2]).js : 'null';
        const direct = readsOnlyReducerArguments(values[1]);
        const reducer = this.fn(
          '$acc, $cur',
          () =>
            `${direct ? '' : 'const data = { current: $cur, accumulator: $acc }; '}return ${this.value(values[1]).js};`,
          new Scope(direct),
        );
        return { js: `$reduce(${source}, ${reducer}, ${initial})`, type: ANY };
      }
      default:
        return this.eager(op, values);
    }
  }

  private logical(op: 'and' | 'or', values: unknown[]): Code {
    if (values.length === 0) return { js: '(void 0)', type: UNDEFINED };
    const last = this.value(values[values.length - 1]);
    let js = last.js;
    let type = last.type;
    for (let i = values.length - 2; i >= 0; i -= 1) {
      const code = this.value(values[i]);
      type |= code.type;
      if (code.type === BOOLEAN) {
        js = `(${code.js} ${op === 'and' ? '&&' : '||'} ${js})`;
      } else {
        const t = this.temp();
        const condition = code.type & ARRAY ? `$truthy(${t} = ${code.js})` : `(${t} = ${code.js})`;
        js = op === 'and' ? `(${condition} ? ${js} : ${t})` : `(${condition} ? ${t} : ${js})`;
      }
    }
    return { js, type };
  }

  private quantifier(op: 'some' | 'all' | 'none', values: unknown[]): Code {
    const source = this.value(values[0]).js;
    const name = this.fn(
      '$a',
      (scope) => {
        const empty = op === 'none' ? 'true' : 'false';
        const test = scope.inlineSingleReads(this.test(values[1]));
        const check =
          op === 'some'
            ? `if (${test}) return true;`
            : op === 'all'
              ? `if (!${test}) return false;`
              : `if (${test}) return false;`;
        const after = op === 'some' ? 'false' : 'true';
        const shared = scope.sharedReads();
        const reads = shared.length ? `let ${shared.join(', ')}; ` : '';
        return (
          `if (!Array.isArray($a) || !$a.length) return ${empty}; ` +
          `for (let $i = 0; $i < $a.length; $i += 1) { const data = $a[$i]; ${reads}${check} } return ${after};`
        );
      },
      new Scope(),
      true,
    );
    return { js: `${name}(${source})`, type: BOOLEAN };
  }

  // Evaluates every argument in order (json-logic-js maps them all before calling the operation),
  // then builds the operation from the first `count` of them.
  private withArguments(values: unknown[], count: number, build: (args: Code[]) => Code): Code {
    const codes = values.map((value) => this.value(value));
    while (codes.length < count) codes.push({ js: '(void 0)', type: UNDEFINED });
    if (codes.length === count) return build(codes);
    const sequence: string[] = [];
    const held = codes.slice(0, count).map((code) => this.hold(code, sequence));
    for (const extra of codes.slice(count)) sequence.push(extra.js);
    const built = build(held);
    return { js: `(${sequence.join(', ')}, ${built.js})`, type: built.type };
  }

  private binary(values: unknown[], operator: string, type: number): Code {
    return this.withArguments(values, 2, ([a, b]) => ({ js: `(${a.js} ${operator} ${b.js})`, type }));
  }

  private eager(op: string, values: unknown[]): Code {
    if (!OPERATION_TABLE.has(op)) {
      const resolved = op.indexOf('.') > 0 ? resolveDottedOperator(op) : undefined;
      if (resolved === undefined) {
        const args = values.map((value) => this.value(value).js);
        return { js: `(${[...args, `$unrecognized(${JSON.stringify(op)})`].join(', ')})`, type: ANY };
      }
      return this.eager(resolved, values);
    }
    switch (op) {
      case '==':
      case '===':
      case '!=':
      case '!==':
      case '>':
      case '>=':
        return this.binary(values, op, BOOLEAN);
      case '%':
      case '/':
        return this.binary(values, op, NUMBER);
      case '<':
      case '<=':
        return this.between(values, op);
      case '!!':
        return this.withArguments(values, 1, ([a]) => ({ js: this.booleanOf(a), type: BOOLEAN }));
      case '!':
        return this.withArguments(values, 1, ([a]) => ({ js: `!${this.booleanOf(a)}`, type: BOOLEAN }));
      case 'log':
        // json-logic-js prints the value; rules are pure, so only the value is kept.
        return this.withArguments(values, 1, ([a]) => a);
      case 'in':
        return this.inOperation(values);
      case 'cat':
        return this.cat(values);
      case 'substr':
        return this.withArguments(values, 3, ([a, b, c]) => ({
          js: `$substr(${a.js}, ${b.js}, ${c.js})`,
          type: STRING,
        }));
      case '+':
        return this.plus(values);
      case '*':
        return this.times(values);
      case '-':
        return this.withArguments(values, 2, ([a, b]) => {
          if (b.type === UNDEFINED) return { js: `(-${a.js})`, type: NUMBER };
          if (!(b.type & UNDEFINED)) return { js: `(${a.js} - ${b.js})`, type: NUMBER };
          const sequence: string[] = [];
          const [x, y] = [this.hold(a, sequence), this.hold(b, sequence)];
          sequence.push(`${y.js} === void 0 ? -${x.js} : ${x.js} - ${y.js}`);
          return { js: `(${sequence.join(', ')})`, type: NUMBER };
        });
      case 'min':
      case 'max':
        return {
          js: `$${op}(${values.map((value) => this.value(value).js).join(', ')})`,
          type: NUMBER,
        };
      case 'merge':
        return { js: `[].concat(${values.map((value) => this.value(value).js).join(', ')})`, type: ARRAY };
      case 'var':
        return this.variable(values);
      case 'missing':
        return this.missing(values);
      case 'missing_some':
        return this.missingSome(values);
      case 'days_since':
      case 'months_since':
      case 'years_since': {
        this.usesNow = true;
        const helper = op === 'days_since' ? '$days' : op === 'months_since' ? '$months' : '$years';
        return this.withArguments(values, 1, ([a]) => ({
          js: `${helper}(${a.js}, now)`,
          type: NUMBER | NULL,
        }));
      }
      default:
        return unrecognizedOperation(op);
    }
  }

  private between(values: unknown[], op: '<' | '<='): Code {
    return this.withArguments(values, 3, ([a, b, c]) => {
      if (c.type === UNDEFINED) return { js: `(${a.js} ${op} ${b.js})`, type: BOOLEAN };
      // All three are evaluated before comparing, even when the first comparison fails.
      const sequence: string[] = [];
      const [x, y, z] = [this.hold(a, sequence), this.hold(b, sequence), this.hold(c, sequence)];
      const both = `${x.js} ${op} ${y.js} && ${y.js} ${op} ${z.js}`;
      sequence.push(c.type & UNDEFINED ? `${z.js} === void 0 ? ${x.js} ${op} ${y.js} : ${both}` : both);
      return { js: `(${sequence.join(', ')})`, type: BOOLEAN };
    });
  }

  private inOperation(values: unknown[]): Code {
    const haystack = values[1];
    return this.withArguments(values, 2, ([a, b]) => {
      if (Array.isArray(haystack) && haystack.every((item) => item === null || typeof item !== 'object')) {
        // A literal array of primitives: json-logic-js builds an equal array and calls indexOf on it.
        return { js: `(${this.constant(haystack)}.indexOf(${a.js}) !== -1)`, type: BOOLEAN };
      }
      if (typeof haystack === 'string') {
        return haystack === ''
          ? { js: `(${a.js}, false)`, type: BOOLEAN }
          : { js: `(${b.js}.indexOf(${a.js}) !== -1)`, type: BOOLEAN };
      }
      return { js: `$in(${a.js}, ${b.js})`, type: BOOLEAN };
    });
  }

  private cat(values: unknown[]): Code {
    const parts = values.map((value) => {
      const code = this.value(value);
      // Array.prototype.join turns null and undefined into '' and everything else into String(x).
      return code.type & (NULL | UNDEFINED | OBJECT | ARRAY) ? `$str(${code.js})` : code.js;
    });
    return { js: `(${['""', ...parts].join(' + ')})`, type: STRING };
  }

  // parseFloat of a value of known type, folded when it is a literal.
  private parsed(node: unknown, code: Code, normaliseZero: boolean): string {
    if (isLiteral(node) && (typeof node === 'number' || typeof node === 'string')) {
      return this.literal(parseFloat(node as string)).js;
    }
    if (code.type === NUMBER) return normaliseZero ? `(${code.js} + 0)` : code.js;
    return `$pf(${code.js})`;
  }

  private plus(values: unknown[]): Code {
    // reduce((a, b) => parseFloat(a) + parseFloat(b), 0): the running sum is a number, never -0,
    // so parseFloat of it is the identity.
    const parts = values.map((value) => this.parsed(value, this.value(value), false));
    return { js: `(${['0', ...parts].join(' + ')})`, type: NUMBER };
  }

  private times(values: unknown[]): Code {
    if (values.length === 0) return { js: '$reduceEmpty()', type: ANY };
    // reduce without an initial value: a single argument comes back untouched, not parsed.
    if (values.length === 1) return this.value(values[0]);
    const parts = values.map((value) => this.parsed(value, this.value(value), true));
    // parseFloat(product) turns -0 into 0 before the next factor: `+ 0` does the same.
    let js = `${parts[0]} * ${parts[1]}`;
    for (let i = 2; i < parts.length; i += 1) js = `(${js} + 0) * ${parts[i]}`;
    return { js: `(${js})`, type: NUMBER };
  }

  // json-logic-js `var` for a literal, non-empty path and a simple not-found expression.
  private walk(path: string, notFound: string): string {
    const segments = path.split('.');
    const last = segments.length - 1;
    const t = this.temp();
    // Below an intermediate segment both undefined and null end the walk; only the last value
    // is returned as it is when null.
    const missing = (i: number): string => `${i === last ? '=== void 0' : '== null'} ? ${notFound} : `;
    let js = `data == null ? ${notFound} : `;
    let first = 0;
    if (this.scope.reducer) {
      // data would be { current: $cur, accumulator: $acc }: start one step down.
      js = `(${t} = ${segments[0] === 'current' ? '$cur' : '$acc'}) ${missing(0)}`;
      first = 1;
    }
    for (let i = first; i < segments.length; i += 1) {
      js += `(${t} = ${i === 0 ? 'data' : t}[${JSON.stringify(segments[i])}]) ${missing(i)}`;
    }
    return `(${js}${t})`;
  }

  private read(path: string, notFound: string): string {
    const key = `${notFound}\u0000${path}`;
    let read = this.scope.reads.get(key);
    if (read === undefined) {
      read = { name: `v${this.counter++}`, walk: '', count: 0 };
      this.scope.reads.set(key, read);
    }
    const walk = this.walk(path, notFound);
    read.count += 1;
    if (read.count === 1) read.walk = walk;
    return `(${read.name} === void 0 ? (${read.name} = ${walk}) : ${read.name})`;
  }

  private variable(values: unknown[]): Code {
    const [path, fallback] = values;
    const staticPath =
      path === undefined ||
      path === null ||
      typeof path === 'string' ||
      typeof path === 'number' ||
      typeof path === 'boolean';
    if (!staticPath) {
      return this.withArguments(values, 2, ([a, b]) => ({ js: `$var(data, ${a.js}, ${b.js})`, type: ANY }));
    }
    const sequence: string[] = [];
    let notFound = 'null';
    if (isLiteral(fallback)) {
      if (fallback !== undefined) notFound = this.literal(fallback).js;
      if (!SIMPLE.test(notFound)) notFound = this.hold({ js: notFound, type: ANY }, sequence).js;
    } else {
      const t = this.temp();
      sequence.push(`${t} = ${this.value(fallback).js}`, `${t} === void 0 && (${t} = null)`);
      notFound = t;
    }
    for (const extra of values.slice(2)) sequence.push(this.value(extra).js);
    const whole = path === undefined || path === null || path === '';
    // With a computed default or extra arguments the read belongs to this site only.
    const read = whole
      ? 'data'
      : sequence.length
        ? this.walk(String(path), notFound)
        : this.read(String(path), notFound);
    const type = whole ? ANY : ANY & ~UNDEFINED;
    return sequence.length ? { js: `(${sequence.join(', ')}, ${read})`, type } : { js: read, type };
  }

  private staticMissingKeys(values: unknown[]): (string | number)[] | undefined {
    const keys = missingKeys(values);
    if (!Array.isArray(values[0]) && !values.every(isPrimitiveKey)) return undefined;
    if (Array.isArray(values[0]) && !values[0].every(isPrimitiveKey)) return undefined;
    return keys as (string | number)[];
  }

  private isMissing(key: string | number): string {
    const t = this.temp();
    // {"var": ""} is the whole data.
    const read = key === '' ? 'data' : this.read(String(key), 'null');
    return `((${t} = ${read}) === null || ${t} === "")`;
  }

  private missing(values: unknown[]): Code {
    const keys = this.staticMissingKeys(values);
    if (keys === undefined) {
      const args = values.map((value) => this.value(value).js);
      return { js: `$missing(data, now, [${args.join(', ')}])`, type: ARRAY };
    }
    const m = this.temp();
    const sequence = values
      .slice(1)
      .filter((value) => !isLiteral(value))
      .map((value) => this.value(value).js);
    sequence.push(`${m} = []`);
    for (const key of keys) sequence.push(`${this.isMissing(key)} && ${m}.push(${this.literal(key).js})`);
    sequence.push(m);
    return { js: `(${sequence.join(', ')})`, type: ARRAY };
  }

  private missingSome(values: unknown[]): Code {
    const options = values[1];
    if (!Array.isArray(options) || !options.every(isPrimitiveKey)) {
      return this.withArguments(values, 2, ([need, list]) => ({
        js: `$missingSome(data, now, ${need.js}, ${list.js})`,
        type: ARRAY,
      }));
    }
    return this.withArguments(values.slice(0, 1).concat(values.slice(2)), 1, ([need]) => {
      const sequence: string[] = [];
      const n = this.hold(need, sequence);
      const missing = this.hold(this.missing(options), sequence);
      sequence.push(`${options.length} - ${missing.js}.length >= ${n.js} ? [] : ${missing.js}`);
      return { js: `(${sequence.join(', ')})`, type: ARRAY };
    });
  }
}

/** Generated JavaScript for a rule (already validated): exposed for tests and docs. */
export function generateSource(rule: unknown): { source: string; constants: unknown[] } {
  const generator = new CodeGenerator();
  const body = generator.root(rule);
  const source =
    `"use strict"; const { ${HELPER_NAMES} } = $h; let now = 0;\n` +
    generator.functions.join('\n') +
    `\nreturn function rule(data, $now) { ${body} };`;
  return { source, constants: generator.constants };
}

/**
 * Compiles a rule to a function that returns exactly what json-logic-js 2.0.5 (with the added
 * operators) returns for the same data, or throws where it throws. Code is generated only from the
 * validated tree; every literal is emitted through JSON.stringify or the constants array `k`.
 */
export function compile(rule: unknown, options: CompileOptions = {}): CompiledRule {
  const problems = structuralProblems(rule, options.unrestricted === true);
  if (problems.length > 0) throw new RuleValidationError(problems);
  const { source, constants } = generateSource(rule);
  // Generated only from the validated tree; see generateSource.
  const factory = new Function('$h', 'k', source) as (h: typeof helpers, k: unknown[]) => CompiledRule;
  return factory(helpers, constants);
}
