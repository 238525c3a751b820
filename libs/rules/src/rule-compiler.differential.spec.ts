import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { compile, explain, referenceApply, validateRule } from '@tagforge/rules';
import { interpret } from './rule-interpreter';

// Differential tests: compile() (and the explain interpreter) against json-logic-js 2.0.5.
// Reproduce a failure with FC_SEED=<seed printed in the failure>.
const SEED = process.env.FC_SEED === undefined ? 20260101 : Number(process.env.FC_SEED);
const DATA_PER_RULE = 10;

type Outcome = { threw: true } | { threw: false; value: unknown };

function outcome(run: () => unknown): Outcome {
  try {
    return { threw: false, value: run() };
  } catch {
    return { threw: true };
  }
}

// Object.is semantics for primitives (NaN equals NaN, -0 is not 0), structural for the rest.
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.threw || b.threw) return a.threw === b.threw;
  return isDeepStrictEqual(a.value, b.value);
}

const KEYS = ['a', 'b', 'x', 'n', 's', 'arr', 'obj', 'current', 'accumulator', 'length', 'qty'];
const PATHS = [
  'a',
  'b',
  'x',
  'n',
  's',
  'arr',
  'obj.a',
  'obj.n',
  'obj.arr',
  'arr.0',
  'arr.1',
  'missing.deep',
  'length',
  'current',
  'accumulator',
  'current.a',
  'accumulator.n',
  'qty',
  '',
];
const STRINGS = [
  '',
  '0',
  '1',
  '2.5',
  ' 3',
  '-4',
  'abc',
  'a',
  'b',
  '1e2',
  'null',
  'true',
  'Infinity',
  '2025-06-30',
  '2000-02-29T12:00:00Z',
  'a,b',
];

const dateString = fc
  .tuple(
    fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }),
    fc.nat(6),
    fc.constantFrom('+05:30', '-08:00', '+00:00'),
  )
  .map(([ms, form, offset]) => {
    const iso = new Date(ms).toISOString();
    switch (form) {
      case 0:
        return iso.slice(0, 10);
      case 1:
        return iso;
      case 2:
        return iso.slice(0, 19) + offset;
      case 3:
        return iso.slice(0, 16);
      case 4:
        return `${iso.slice(0, 8)}3${iso.slice(9, 10)}`; // a day that may not exist
      case 5:
        return iso.slice(0, 10).replace(/-/g, '/');
      default:
        return `${iso.slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}123Z`;
    }
  });

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, -0, 1.5, 700, 580, -1, 2),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.constantFrom(...STRINGS),
  dateString,
);

const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'data' },
    { arbitrary: scalar, weight: 6 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 2 },
    { arbitrary: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }), weight: 2 },
  ),
}));

const data = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom(...KEYS), jsonValue, { maxKeys: 8 }), weight: 8 },
  { arbitrary: fc.array(jsonValue, { maxLength: 3 }), weight: 1 },
  { arbitrary: scalar, weight: 1 },
);

const literal = fc.oneof(
  { arbitrary: scalar, weight: 8 },
  { arbitrary: fc.array(scalar, { maxLength: 3 }), weight: 1 },
);

const key = fc.oneof(fc.constantFrom(...PATHS), fc.nat(2));
// Literal defaults: arrays (evaluated item by item by json-logic-js) and objects that are not operators.
const literalDefault = fc.oneof(
  fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })), { maxLength: 3 }),
  fc.constantFrom({}, { a: 1, b: [1, 2] }, { x: null, y: 'a' }, [{}, { a: 1, b: 2 }]),
);
const variable = fc.oneof(
  key.map((path) => ({ var: path })),
  fc.tuple(key, scalar).map(([path, fallback]) => ({ var: [path, fallback] })),
  fc.tuple(key, literalDefault).map(([path, fallback]) => ({ var: [path, fallback] })),
  key.map((path) => ({ var: [path] })),
);

function op(name: string, args: fc.Arbitrary<unknown[]>, unary = false): fc.Arbitrary<unknown> {
  return unary
    ? fc.tuple(args, fc.boolean()).map(([list, bare]) => ({
        [name]: bare && list.length === 1 && !Array.isArray(list[0]) ? list[0] : list,
      }))
    : args.map((list) => ({ [name]: list }));
}

// Rules in the tag dialect: every allowed operator, valid arities, literal var paths.
const { rule: strictRule } = fc.letrec<{ rule: unknown }>((tie) => {
  const r = tie('rule');
  const n = (min: number, max: number): fc.Arbitrary<unknown[]> =>
    fc.array(r, { minLength: min, maxLength: max });
  const source = fc.oneof(
    fc.constantFrom('arr', 'obj.arr', 'a', 'x', 's').map((path) => ({ var: path })),
    // Object literals are not in the dialect, so literal arrays hold scalars and arrays of scalars.
    fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxLength: 4 }),
    r,
  );
  const keys = fc.array(fc.constantFrom(...PATHS), { maxLength: 3 });
  return {
    rule: fc.oneof(
      { maxDepth: 5, depthIdentifier: 'rule' },
      { arbitrary: literal, weight: 6 },
      { arbitrary: variable, weight: 8 },
      ...['==', '===', '!=', '!==', '>', '>=', '%', '/', 'in'].map((name) => op(name, n(2, 2))),
      ...['<', '<='].map((name) => op(name, n(2, 3))),
      ...['!', '!!'].map((name) => op(name, n(1, 1), true)),
      op('-', n(1, 2)),
      ...['+', '*', 'min', 'max', 'cat', 'merge'].map((name) => op(name, n(1, 4))),
      op(
        'substr',
        fc
          .tuple(
            r,
            fc.integer({ min: -4, max: 4 }),
            fc.option(fc.integer({ min: -4, max: 4 }), { nil: undefined }),
          )
          .map(([text, start, end]) => (end === undefined ? [text, start] : [text, start, end])),
      ),
      op(
        'in',
        fc
          .tuple(r, fc.oneof(fc.array(scalar, { maxLength: 4 }), fc.constantFrom(...STRINGS), r))
          .map((pair) => [...pair]),
      ),
      keys.map((list) => ({ missing: list })),
      fc.constantFrom(...PATHS).map((path) => ({ missing: path })),
      keys.map((list) => ({ missing: [list] })),
      fc.tuple(r, keys).map(([need, list]) => ({ missing_some: [need, list] })),
      op('if', n(2, 5)),
      op('?:', n(3, 3)),
      ...['and', 'or'].map((name) => op(name, n(1, 4))),
      ...['some', 'all', 'none', 'filter', 'map'].map((name) =>
        fc.tuple(source, r).map(([s, inner]) => ({ [name]: [s, inner] })),
      ),
      fc.tuple(source, r, fc.option(r, { nil: undefined })).map(([s, inner, initial]) => ({
        reduce: initial === undefined ? [s, inner] : [s, inner, initial],
      })),
      ...['days_since', 'months_since', 'years_since'].map((name) =>
        fc.oneof(dateString, variable, r).map((arg) => ({ [name]: Array.isArray(arg) ? [arg] : arg })),
      ),
    ),
  };
});

// Reducers whose logic reads only current / accumulator paths (compiled without the data object).
const { rule: reducerLogic } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'reducer' },
    { arbitrary: scalar, weight: 2 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom('current', 'accumulator', 'current.a', 'current.n', 'accumulator.a', 'current.0'),
          fc.option(scalar),
        )
        .map(([path, fallback]) => ({ var: fallback === null ? path : [path, fallback] })),
      weight: 5,
    },
    ...['+', '*', 'cat', 'merge', 'max', 'and', 'or'].map((name) =>
      fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((args) => ({ [name]: args })),
    ),
    ...['==', '<', '-', 'in'].map((name) =>
      fc.array(tie('rule'), { minLength: 2, maxLength: 2 }).map((args) => ({ [name]: args })),
    ),
    fc.array(tie('rule'), { minLength: 2, maxLength: 3 }).map((args) => ({ if: args })),
    fc
      .tuple(fc.constantFrom('current', 'current.arr'), tie('rule'))
      .map(([path, inner]) => ({ some: [{ var: path }, inner] })),
  ),
}));

const reduceRule = fc
  .tuple(fc.constantFrom('arr', 'obj.arr', 'x', 'a'), reducerLogic, fc.option(literal, { nil: undefined }))
  .map(([path, logic, initial]) => ({
    reduce: initial === undefined ? [{ var: path }, logic] : [{ var: path }, logic, initial],
  }));

const OPERATOR_NAMES = [
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
  'days_since',
  'months_since',
  'years_since',
  'foo',
  'Math.abs',
  'method',
  'var.prototype.constructor',
  '+.prototype.constructor',
  '==.length',
  'missing.prototype',
  '.x',
  '',
];

// Anything json-logic-js accepts: any operator name, any arity, computed paths and keys, object literals.
const { rule: anyRule } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'any' },
    { arbitrary: literal, weight: 5 },
    { arbitrary: variable, weight: 5 },
    { arbitrary: strictRule, weight: 3 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...OPERATOR_NAMES), fc.array(tie('rule'), { maxLength: 4 }), fc.boolean())
        .map(([name, args, bare]) => ({ [name]: bare && args.length === 1 ? args[0] : args })),
      weight: 6,
    },
    { arbitrary: fc.array(tie('rule'), { maxLength: 3 }), weight: 1 },
    { arbitrary: fc.constantFrom({}, { a: 1, b: { var: 'a' } }), weight: 1 },
  ),
}));

const now = fc.integer({ min: 0, max: 4_102_444_800_000 });

function check(rule: unknown, datas: unknown[], at: number, unrestricted: boolean): boolean {
  const compiled = compile(rule, { unrestricted });
  datas.forEach((datum, i) => {
    const expected = outcome(() => referenceApply(rule, datum, at));
    const actual = outcome(() => compiled(datum, at));
    if (!sameOutcome(expected, actual)) {
      throw new Error(
        `compiled ${JSON.stringify(actual)} != json-logic-js ${JSON.stringify(expected)} for data ${JSON.stringify(datum)}`,
      );
    }
    const interpreted = outcome(() => interpret(rule, datum, at));
    if (!sameOutcome(expected, interpreted)) throw new Error('interpreter differs from json-logic-js');
    if (!unrestricted && i < 2) {
      const explained = explain(rule, datum, at);
      const fromExplain: Outcome =
        explained.error === undefined ? { threw: false, value: explained.value } : { threw: true };
      if (!sameOutcome(expected, fromExplain)) throw new Error('explain differs from json-logic-js');
    }
  });
  return true;
}

let cases = 0;

describe('compile() agrees with json-logic-js 2.0.5', () => {
  beforeAll(() => {
    // json-logic-js prints `log` arguments; keep the output readable.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    process.stdout.write(`differential cases (rule x data): ${cases}, seed ${SEED}\n`);
  });

  const run = (name: string, arbitrary: fc.Arbitrary<unknown>, runs: number, unrestricted: boolean): void => {
    it(`${name} (${runs} rules x ${DATA_PER_RULE} data)`, () => {
      fc.assert(
        fc.property(
          arbitrary,
          fc.array(data, { minLength: DATA_PER_RULE, maxLength: DATA_PER_RULE }),
          now,
          (rule, datas, at) => {
            cases += datas.length;
            return check(rule, datas, at, unrestricted);
          },
        ),
        { seed: SEED, numRuns: runs, endOnFailure: false },
      );
    }, 120_000);
  };

  it('a var with a literal array or object default, the guard for `in` over a missing list', () => {
    const rules = [
      { in: ['car', { var: ['products', []] }] },
      { in: ['car', { var: ['a', ['car', 'mortgage']] }] },
      { some: [{ var: ['arr', []] }, { '>': [{ var: '' }, 1] }] },
      { none: [{ var: ['loans', [{ currentDpd: 0, type: 'car' }]] }, { '>': [{ var: 'currentDpd' }, 0] }] },
      { '!': { var: ['obj', {}] } },
      { merge: [{ var: ['arr', [1, [2]]] }, { var: ['x', []] }] },
      { var: ['x', { a: 1, b: 2 }] },
    ];
    const datas = [
      {},
      { products: ['car'] },
      { products: 'scar' },
      { products: null },
      { arr: [0, 2] },
      null,
    ];
    for (const rule of rules) {
      expect(validateRule(rule, { profileSchema: true }).errors).toEqual([]);
      expect(check(rule, datas, 0, false)).toBe(true);
    }
    expect(compile({ in: ['car', { var: ['products', []] }] })({}, 0)).toBe(false);
    expect(compile({ in: ['car', { var: ['products', []] }] })({ products: ['car'] }, 0)).toBe(true);
  });

  run('tag-dialect rules over every allowed operator', strictRule, 11_000, false);
  run('reduce over current / accumulator', reduceRule, 2_000, false);
  run('any JSON Logic rule (unrestricted)', anyRule, 5_000, true);
  run(
    'time operators with random dates and now',
    fc.oneof(
      ...['days_since', 'months_since', 'years_since'].map((name) =>
        fc.oneof(dateString, fc.constantFrom(...STRINGS), scalar).map((arg) => ({ [name]: [arg] })),
      ),
      fc.constantFrom('days_since', 'months_since', 'years_since').map((name) => ({ [name]: { var: 'a' } })),
    ),
    2_000,
    false,
  );
});
