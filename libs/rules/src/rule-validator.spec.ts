import { RuleProblem, ValidationOptions, validateRule } from '@tagforge/rules';

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['relationship'],
  properties: {
    relationship: {
      type: 'object',
      required: ['customerSince'],
      properties: { customerSince: { type: 'string' }, productCount: { type: 'integer' } },
    },
    bureau: { $ref: '#/$defs/bureau' },
    loans: { type: 'array', items: { $ref: '#/$defs/loan' } },
    income: {
      type: 'object',
      properties: { salaryHistory6m: { type: 'array', items: { type: 'number' } } },
    },
    transactions: {
      type: 'object',
      properties: { spendByCategory30d: { type: 'object', additionalProperties: { type: 'number' } } },
    },
    extras: {},
    anything: true,
  },
  $defs: {
    bureau: {
      type: ['object', 'null'],
      properties: { score: { type: 'integer' }, inquiries3m: { type: 'integer' } },
    },
    loan: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string' },
        currentDpd: { type: 'integer' },
        outstanding: { type: 'number' },
      },
    },
  },
};

const options: ValidationOptions = { profileSchema: schema, knownTags: new Set(['low_risk', 'high_intent']) };

function codes(rule: unknown, extra: ValidationOptions = options): Array<[string, string]> {
  return validateRule(rule, extra).errors.map((problem: RuleProblem) => [problem.code, problem.pointer]);
}

function warnings(rule: unknown, extra: ValidationOptions = options): Array<[string, string]> {
  return validateRule(rule, extra).warnings.map((problem) => [problem.code, problem.pointer]);
}

// CPU time of this process: what the validator costs, whatever else runs on the machine.
function timed<T>(work: () => T): { result: T; ms: number } {
  const start = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(start);
  return { result, ms: (used.user + used.system) / 1000 };
}

describe('validateRule', () => {
  it('accepts a realistic guarded rule without problems', () => {
    const rule = {
      and: [
        { '!!': { var: 'bureau.score' } },
        { '>=': [{ var: 'bureau.score' }, 700] },
        { none: [{ var: 'loans' }, { '>': [{ var: ['currentDpd', 0] }, 0] }] },
        { var: 'tags.low_risk' },
        { '>': [{ var: ['transactions.spendByCategory30d.home_furnishing', 0] }, 5000] },
        { '>': [{ var: ['income.salaryHistory6m.0', 0] }, 0] },
      ],
    };
    expect(validateRule(rule, options)).toEqual({ errors: [], warnings: [] });
  });

  it('reports every problem at once, each with its RFC 6901 pointer', () => {
    const rule = {
      and: [
        { log: 1 },
        { 'Math.abs': [-1] },
        { method: [{ var: 'x' }, 'trim'] },
        { frobnicate: [] },
        { '>': [1] },
        { var: { cat: ['bur', 'eau'] } },
        { var: ['bureau.score', { var: 'x' }] },
        { missing: [{ var: 'k' }] },
        { missing_some: [1, 'bureau.score'] },
        { var: '__proto__.x' },
        { var: 'constructor' },
        { missing: ['bureau.prototype'] },
        { var: 'bureau.scroe' },
        { var: '' },
        { var: 'tags.nope' },
        { var: 'tags' },
        { '==': [{ a: 1, b: 2 }, {}] },
        { '==': [Number.NaN, null] },
        { 'a/b~c': [{ var: 'x' }] },
      ],
    };
    expect(codes(rule)).toEqual([
      ['forbidden_operator', '/and/0'],
      ['forbidden_operator', '/and/1'],
      ['forbidden_operator', '/and/2'],
      ['unknown_path', '/and/2/method/0/var'],
      ['unknown_operator', '/and/3'],
      ['arity', '/and/4/>'],
      ['dynamic_var_path', '/and/5/var'],
      ['invalid_var_default', '/and/6/var/1'],
      ['unknown_path', '/and/6/var/1/var'],
      ['invalid_missing_keys', '/and/7/missing/0'],
      ['unknown_path', '/and/7/missing/0/var'],
      ['invalid_missing_keys', '/and/8/missing_some/1'],
      ['forbidden_path_segment', '/and/9/var'],
      ['forbidden_path_segment', '/and/10/var'],
      ['forbidden_path_segment', '/and/11/missing/0'],
      ['unknown_path', '/and/12/var'],
      ['whole_data_read', '/and/13/var'],
      ['unknown_tag', '/and/14/var'],
      ['all_tags_read', '/and/15/var'],
      ['invalid_object_literal', '/and/16/==/0'],
      ['invalid_object_literal', '/and/16/==/1'],
      ['invalid_value', '/and/17/==/0'],
      ['unknown_operator', '/and/18'],
      ['unknown_path', '/and/18/a~1b~0c/0/var'],
    ]);
  });

  it('refuses proto paths even without a schema, and dotted names, log and method', () => {
    for (const rule of [
      { var: '__proto__.x' },
      { var: 'constructor' },
      { var: ['a.prototype', 1] },
      { missing_some: [1, ['__proto__']] },
    ]) {
      expect(codes(rule, {}).map(([code]) => code)).toEqual(['forbidden_path_segment']);
    }
    for (const rule of [
      { log: 1 },
      { method: ['a', 'trim'] },
      { 'Math.abs': 1 },
      { 'var.prototype.constructor': 'a' },
    ]) {
      expect(codes(rule, {}).map(([code]) => code)).toEqual(['forbidden_operator']);
    }
  });

  it('accepts literal array and object defaults for var, the guard for `in` over a missing list', () => {
    expect(codes({ in: ['consumer', { var: ['income.salaryHistory6m', []] }] })).toEqual([]);
    expect(codes({ some: [{ var: ['loans', []] }, { '>': [{ var: 'currentDpd' }, 0] }] })).toEqual([]);
    expect(codes({ var: ['x', [1, 'a', null, [true, []], {}, { a: 1, b: { c: [2], d: 3 } }]] }, {})).toEqual(
      [],
    );
    expect(codes({ var: ['x', {}] }, {})).toEqual([]);
    expect(codes({ var: ['x', { a: 1, b: 2 }] }, {})).toEqual([]);
  });

  it('refuses var defaults that hold an operator, and defaults over the literal limits', () => {
    expect(codes({ var: ['x', [1, { var: 'y' }]] }, {})).toEqual([['invalid_var_default', '/var/1/1']]);
    expect(codes({ var: ['x', { cat: ['a', 'b'] }] }, {})).toEqual([['invalid_var_default', '/var/1']]);
    expect(codes({ var: ['x', { a: 1, b: { c: { var: 'y' }, d: 1 } }] }, {})).toEqual([
      ['invalid_var_default', '/var/1/b/c'],
    ]);
    expect(codes({ var: ['x', new Array(10_001).fill(1)] }, {})).toEqual([['array_limit', '/var/1']]);
    expect(codes({ var: ['x', ['y'.repeat(10_001)]] }, {})).toEqual([['string_limit', '/var/1/0']]);
    expect(codes({ var: ['x', { ['k'.repeat(10_001)]: 1, b: 2 }] }, {})).toEqual([
      ['string_limit', '/var/1'],
    ]);
    expect(codes({ var: ['x', JSON.parse('{"__proto__": 1, "b": 2}')] }, {})).toEqual([
      ['invalid_value', '/var/1/__proto__'],
    ]);
    const wide = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i}`, i]));
    expect(codes({ var: ['x', wide] }, {}).map(([code]) => code)).toEqual(['node_limit']);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expect(codes({ var: ['x', deep] }, {}).map(([code]) => code)).toEqual(['depth_limit']);
  });

  it('checks arities of the dialect', () => {
    expect(codes({ '<': [1, 2, 3, 4] }, {})).toEqual([['arity', '/<']]);
    expect(codes({ '!': [1, 2] }, {})).toEqual([['arity', '/!']]);
    expect(codes({ '*': [] }, {})).toEqual([['arity', '/*']]);
    expect(codes({ '?:': [1, 2] }, {})).toEqual([['arity', '/?:']]);
    expect(codes({ missing: [['a'], 'b'] }, {})).toEqual([['arity', '/missing/1']]);
    expect(codes({ '<=': [300, { var: 'x' }, 850] }, {})).toEqual([]);
    expect(codes({ '-': { var: 'x' } }, {})).toEqual([]);
  });

  it('resolves $ref, items, additionalProperties, numeric segments and open schemas', () => {
    expect(codes({ var: 'bureau.score' })).toEqual([]);
    expect(codes({ var: 'loans.0.currentDpd' })).toEqual([]);
    expect(codes({ var: 'loans.x.currentDpd' })).toEqual([['unknown_path', '/var']]);
    expect(codes({ var: 'transactions.spendByCategory30d.anything' })).toEqual([]);
    expect(codes({ var: 'income.salaryHistory6m.3' })).toEqual([]);
    expect(codes({ var: 'extras.a.b.c' })).toEqual([]);
    expect(codes({ var: 'anything.x' })).toEqual([]);
    expect(codes({ var: 'relationship.customerSince.length' })).toEqual([['unknown_path', '/var']]);
    expect(codes({ var: 'nothing' }, { profileSchema: true })).toEqual([]);
    expect(codes({ var: 'nothing.at.all' }, { profileSchema: {} })).toEqual([]);
  });

  it('resolves vars inside some/all/none/map/filter/reduce against the array element', () => {
    expect(codes({ some: [{ var: 'loans' }, { '>': [{ var: 'currentDpd' }, 0] }] })).toEqual([]);
    expect(codes({ some: [{ var: 'loans' }, { '>': [{ var: 'bureau.score' }, 0] }] })).toEqual([
      ['unknown_path', '/some/1/>/0/var'],
    ]);
    expect(codes({ all: [{ filter: [{ var: 'loans' }, { var: 'type' }] }, { var: 'outstanding' }] })).toEqual(
      [],
    );
    expect(codes({ map: [{ var: 'income.salaryHistory6m' }, { '*': [{ var: '' }, 2] }] })).toEqual([]);
    expect(
      codes({
        reduce: [{ var: 'loans' }, { '+': [{ var: 'accumulator' }, { var: 'current.outstanding' }] }, 0],
      }),
    ).toEqual([]);
    expect(codes({ reduce: [{ var: 'loans' }, { var: 'current.nope' }, 0] })).toEqual([
      ['unknown_path', '/reduce/1/var'],
    ]);
    // An element's `tags` is a field of the element, not the catalog's tags.
    expect(codes({ some: [[1], { var: 'tags' }] }, {})).toEqual([]);
  });

  it('warns about comparisons on optional fields without a guard (the null < 580 trap)', () => {
    expect(warnings({ '<': [{ var: 'bureau.score' }, 580] })).toEqual([['unguarded_comparison', '/</0']]);
    expect(warnings({ '<=': [300, { var: 'bureau.score' }, 850] })).toEqual([
      ['unguarded_comparison', '/<=/1'],
    ]);
    expect(warnings({ '<': [{ years_since: { var: 'relationship.customerSince' } }, 1] })).toEqual([]);
    expect(warnings({ some: [{ var: 'loans' }, { '>': [{ var: 'currentDpd' }, 0] }] })).toEqual([
      ['unguarded_comparison', '/some/1/>/0'],
    ]);
    const guarded = [
      { and: [{ '!!': { var: 'bureau.score' } }, { '<': [{ var: 'bureau.score' }, 580] }] },
      { and: [{ var: 'bureau.score' }, { '<': [{ var: 'bureau.score' }, 580] }] },
      { and: [{ '!': { missing: ['bureau.score'] } }, { '<': [{ var: 'bureau.score' }, 580] }] },
      { and: [{ '!=': [{ var: 'bureau.score' }, null] }, { '<': [{ var: 'bureau.score' }, 580] }] },
      { if: [{ missing_some: [1, ['bureau.score']] }, false, { '<': [{ var: 'bureau.score' }, 580] }] },
      { if: [{ var: 'bureau.score' }, { '<': [{ var: 'bureau.score' }, 580] }, false] },
      { '<': [{ var: ['bureau.score', 999] }, 580] },
      { '<': [{ var: 'relationship.productCount' }, 'a'] },
    ];
    for (const rule of guarded) expect(warnings(rule)).toEqual([]);
    // Fields the schema requires (all the way down) need no guard.
    expect(warnings({ some: [{ var: 'loans' }, { '>': [{ var: 'type' }, 'a'] }] })).toEqual([]);
  });

  it('warns when a marketing rule reads bureau data', () => {
    const rule = { and: [{ '!!': { var: 'bureau.score' } }, { '>': [{ var: 'bureau.score' }, 700] }] };
    expect(warnings(rule, { ...options, purpose: 'marketing' })).toEqual([
      ['marketing_reads_bureau', '/and/0/!!/var'],
      ['marketing_reads_bureau', '/and/1/>/0/var'],
    ]);
    expect(warnings(rule, { ...options, purpose: 'risk' })).toEqual([]);
    expect(warnings({ var: 'tags.low_risk' }, { ...options, purpose: 'marketing' })).toEqual([]);
  });

  describe('hostile input is rejected fast without crashing', () => {
    // The best of three attempts: the bound is on the work done, not on JIT warm-up.
    const expectFast = (rule: unknown, code: string): void => {
      const attempts = [0, 1, 2].map(() => timed(() => validateRule(rule, options)));
      expect(attempts[0].result.errors.map((problem) => problem.code)).toContain(code);
      expect(Math.min(...attempts.map((attempt) => attempt.ms))).toBeLessThan(100);
    };

    it('20,000-deep nesting', () => {
      let rule: unknown = { var: 'bureau.score' };
      for (let i = 0; i < 20_000; i += 1) rule = { '!': [rule] };
      expectFast(rule, 'depth_limit');
      let arrays: unknown = 1;
      for (let i = 0; i < 20_000; i += 1) arrays = [arrays];
      expectFast(arrays, 'depth_limit');
    });

    it('a cyclic object and a DAG that unfolds into 2^40 nodes', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.and = [cyclic, cyclic];
      expectFast(cyclic, 'invalid_value');
      const indirect: Record<string, unknown> = {};
      indirect.or = [{ '!': [[1, indirect]] }];
      expectFast(indirect, 'invalid_value');
      let dag: unknown = true;
      for (let i = 0; i < 40; i += 1) dag = { or: [dag, dag] };
      expectFast(dag, 'node_limit');
      expectFast(
        { and: Array.from({ length: 9000 }, (_, i) => ({ '==': [{ var: 'bureau.score' }, i] })) },
        'node_limit',
      );
    });

    it('megabyte literals', () => {
      expectFast({ '==': [{ var: 'bureau.score' }, 'x'.repeat(1_000_000)] }, 'string_limit');
      expectFast({ in: [{ var: 'bureau.score' }, new Array(1_000_000).fill(1)] }, 'array_limit');
      expectFast({ var: `${'a.'.repeat(500_000)}b` }, 'string_limit');
      expectFast({ ['x'.repeat(1_000_000)]: 1 }, 'unknown_operator');
      // A 1 MB JSON object literal: about 100,000 keys.
      const text = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
      expect(text.length).toBeGreaterThan(1_000_000);
      expectFast({ '==': [JSON.parse(text), 1] }, 'invalid_object_literal');
    });

    it('proto paths and forbidden operators', () => {
      expectFast({ var: '__proto__.x' }, 'forbidden_path_segment');
      expectFast({ var: 'constructor' }, 'forbidden_path_segment');
      expectFast({ missing: ['a.__proto__'] }, 'forbidden_path_segment');
      expectFast({ 'Math.abs': 1 }, 'forbidden_operator');
      expectFast({ log: 'x' }, 'forbidden_operator');
      expectFast({ method: ['x', 'toString'] }, 'forbidden_operator');
    });
  });
});
