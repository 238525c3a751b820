import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { RuleValidationError, compile, generateSource, parseNow, referenceApply } from '@tagforge/rules';

type Case = [unknown, unknown, unknown];

function suite(file: string): Case[] {
  const entries = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
  return entries.filter((entry): entry is Case => Array.isArray(entry));
}

const NOW = parseNow('2026-01-01T00:00:00Z');

describe('compile()', () => {
  it('passes the official JsonLogic suite: 277 of 277', () => {
    const cases = suite('test/fixtures/jsonlogic-tests.json');
    const failures = cases.filter(([rule, data, expected]) => {
      const actual = compile(rule, { unrestricted: true })(data, NOW);
      return !isDeepStrictEqual(actual, expected);
    });
    expect(cases).toHaveLength(277);
    expect(failures).toEqual([]);
  });

  it.each([
    [{ '*': ['3'] }, {}, '3'],
    [{ '*': [-1, 0, 5] }, {}, 0],
    [{ '-': [0] }, {}, -0],
    [{ '+': ['3.5abc', '1e2'] }, {}, 103.5],
    [{ and: [] }, {}, undefined],
    [{ min: [] }, {}, Infinity],
    [{ '/': [0, 0] }, {}, NaN],
    [{ '<': [{ var: 'bureau.score' }, 580] }, {}, true],
    [{ '==': [null, 0] }, {}, false],
    [{ var: ['a', 5] }, { a: null }, null],
    [{ var: ['a', 5] }, null, 5],
    [{ var: 'length' }, 'abc', 3],
    [{ missing: ['a', 'b'] }, { a: '', b: 0 }, ['a']],
    [{ all: [[], true] }, {}, false],
    [{ '!': [[]] }, {}, true],
    [{ map: [{ var: 'a' }, { var: 'x' }] }, { a: [1], x: 9 }, [null]],
    [{ in: ['Spring', 'Springfield'] }, {}, true],
    [{ substr: ['jsonlogic', 1, -5] }, {}, 'son'],
  ])('%j with %j gives what json-logic-js gives', (rule, data, expected) => {
    expect(isDeepStrictEqual(referenceApply(rule, data, NOW), expected)).toBe(true);
    expect(isDeepStrictEqual(compile(rule, { unrestricted: true })(data, NOW), expected)).toBe(true);
  });

  it('throws where json-logic-js throws', () => {
    for (const rule of [{ '*': [] }, { some: [[1], { foo: 1 }] }, { in: ['a', { var: 'o' }] }]) {
      expect(() => referenceApply(rule, { o: { indexOf: 1 } }, NOW)).toThrow();
      expect(() => compile(rule, { unrestricted: true })({ o: { indexOf: 1 } }, NOW)).toThrow();
    }
    expect(() => compile({ foo: 1 }, { unrestricted: true })({}, NOW)).toThrow('Unrecognized operation foo');
    // Not reached, so not thrown: the same as json-logic-js.
    expect(compile({ if: [true, 1, { foo: 1 }] }, { unrestricted: true })({}, NOW)).toBe(1);
  });

  it('refuses rules outside the dialect with RuleValidationError listing the problems', () => {
    expect(() => compile({ log: 1 })).toThrow(RuleValidationError);
    try {
      compile({ and: [{ var: { cat: ['a'] } }, { 'Math.abs': 1 }] });
    } catch (error) {
      expect((error as RuleValidationError).problems.map((problem) => problem.code)).toEqual([
        'dynamic_var_path',
        'forbidden_operator',
      ]);
    }
  });

  it('rejects hostile rules fast, before generating any code', () => {
    let deep: unknown = { var: 'x' };
    for (let i = 0; i < 20_000; i += 1) deep = { '!': [deep] };
    let shared: unknown = true;
    for (let i = 0; i < 40; i += 1) shared = { or: [shared, shared] };
    for (const rule of [deep, shared, { in: ['a', new Array(100_000).fill('a')] }]) {
      for (const unrestricted of [false, true]) {
        // CPU time, best of three: the bound is on the work, not on JIT warm-up or machine load.
        const times = [0, 1, 2].map(() => {
          const start = process.cpuUsage();
          expect(() => compile(rule, { unrestricted })).toThrow(RuleValidationError);
          const used = process.cpuUsage(start);
          return (used.user + used.system) / 1000;
        });
        expect(Math.min(...times)).toBeLessThan(100);
      }
    }
  });

  it('evaluates the added operators with the now given at call time', () => {
    const age = compile({ years_since: { var: 'birthDate' } });
    expect(age({ birthDate: '1990-06-15' }, parseNow('2026-06-14T23:59:59Z'))).toBe(35);
    expect(age({ birthDate: '1990-06-15' }, parseNow('2026-06-15T00:00:00Z'))).toBe(36);
    expect(age({}, NOW)).toBeNull();
  });

  it('emits user text only through JSON.stringify or the constants array', () => {
    const hostile = '"]; globalThis["pwned"] = true; ["';
    const rule = { '==': [{ var: `a.${hostile}` }, hostile] };
    const { source } = generateSource(rule);
    expect(source).toContain(JSON.stringify(hostile));
    expect(compile(rule)({ a: { [hostile]: hostile } }, NOW)).toBe(true);
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('reads each literal path once per evaluation and reuses it', () => {
    const { source } = generateSource({
      and: [{ '!!': { var: 'bureau.score' } }, { '>=': [{ var: 'bureau.score' }, 700] }],
    });
    expect(source.match(/data\["bureau"\]/g)?.length).toBe(2);
    expect(source).toMatch(/v\d+ === void 0 \?/);
  });

  it('gives the same answer as the extended conformance file', () => {
    const cases = suite('test/fixtures/rules-extended-conformance.json');
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
});
