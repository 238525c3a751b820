import { isDeepStrictEqual } from 'node:util';
import { compile } from './rule-compiler';

export interface ConformanceResult {
  passed: number;
  failed: number;
  // One line per failing case.
  failures: string[];
}

const JS_VALUES: Record<string, unknown> = {
  undefined: undefined,
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

function isMarker(value: unknown, key: string): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    Object.prototype.hasOwnProperty.call(value, key)
  );
}

// {"$js": "NaN"} and friends stand for values JSON cannot hold, in expected values and data.
function decode(value: unknown): unknown {
  if (isMarker(value, '$js')) {
    const name = String(value.$js);
    if (!Object.prototype.hasOwnProperty.call(JS_VALUES, name)) throw new Error(`unknown $js value ${name}`);
    return JS_VALUES[name];
  }
  if (Array.isArray(value)) return value.map(decode);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decode(item)]));
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Object.is(value, -0)) return '-0';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * Runs a suite in the format of the official JsonLogic tests (`[rule, data, expected]`, strings
 * are comments) through compile() in unrestricted mode. Extensions: expected `{"$throws": true}`
 * means evaluation must throw; `{"$js": "undefined" | "NaN" | "Infinity" | "-Infinity"}` stands
 * for those values. Results are compared with Object.is semantics (NaN equals NaN, -0 is not 0).
 */
export function runConformance(cases: unknown, now: number): ConformanceResult {
  if (!Array.isArray(cases)) throw new Error('a conformance file is a JSON array of [rule, data, expected]');
  const result: ConformanceResult = { passed: 0, failed: 0, failures: [] };
  cases.forEach((entry: unknown, index) => {
    if (typeof entry === 'string') return;
    const fail = (why: string): void => {
      result.failed += 1;
      result.failures.push(`FAIL #${index} ${why}`);
    };
    if (!Array.isArray(entry) || entry.length !== 3) {
      fail(`malformed case ${show(entry)}`);
      return;
    }
    const [rule, rawData, rawExpected] = entry as [unknown, unknown, unknown];
    const label = `${show(rule)} data=${show(rawData)}`;
    let data: unknown;
    let expected: unknown;
    try {
      data = decode(rawData);
      expected = isMarker(rawExpected, '$throws') ? rawExpected : decode(rawExpected);
    } catch (error) {
      fail(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const mustThrow = isMarker(expected, '$throws') && expected.$throws === true;
    let actual: unknown;
    try {
      actual = compile(rule, { unrestricted: true })(data, now);
    } catch (error) {
      if (mustThrow) result.passed += 1;
      else
        fail(
          `${label}: expected ${show(expected)}, threw ${error instanceof Error ? error.message : String(error)}`,
        );
      return;
    }
    if (mustThrow) fail(`${label}: expected a throw, got ${show(actual)}`);
    else if (isDeepStrictEqual(actual, expected)) result.passed += 1;
    else fail(`${label}: expected ${show(expected)}, got ${show(actual)}`);
  });
  return result;
}
