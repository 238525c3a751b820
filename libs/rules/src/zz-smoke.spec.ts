import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { compile, referenceApply } from '@tagforge/rules';
import { interpret } from './rule-interpreter';

it('suite', () => {
  const cases = JSON.parse(readFileSync('test/fixtures/jsonlogic-tests.json', 'utf8')) as unknown[];
  let fails = 0;
  for (const c of cases) {
    if (typeof c === 'string') continue;
    const [rule, data, expected] = c as [unknown, unknown, unknown];
    for (const [name, f] of [
      ['compiled', (r: unknown, d: unknown) => compile(r, { unrestricted: true })(d, 0)],
      ['interp', (r: unknown, d: unknown) => interpret(r, d, 0)],
      ['ref', (r: unknown, d: unknown) => referenceApply(r, d, 0)],
    ] as const) {
      let got: unknown;
      try { got = f(rule, data); } catch (e) { got = `THROW ${String(e)}`; }
      if (!isDeepStrictEqual(got, expected)) { fails++; console.log(name, JSON.stringify(rule), JSON.stringify(got), JSON.stringify(expected)); }
    }
  }
  expect(fails).toBe(0);
});
