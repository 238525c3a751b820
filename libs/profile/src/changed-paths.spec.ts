import fc from 'fast-check';
import { changedPaths } from './changed-paths';
import { isJsonObject, type JsonValue } from './json-value';
import { applyMergePatch } from './merge-patch';
import { ProfileWriteError } from './profile-write-error';
import { canonicalJson, smallJson } from './testing/json-arbitrary';

describe('changedPaths', () => {
  const before = {
    deposits: { balance: 1000, avgBalance3m: 900 },
    income: { salaryHistory6m: [10, 10, 10], payrollAtBank: true },
    loans: [{ type: 'mortgage', outstanding: 100 }],
    bureau: { score: 700 },
  };

  it('descends object keys and compares arrays whole', () => {
    const after = {
      deposits: { avgBalance3m: 900, balance: 1200 },
      income: { salaryHistory6m: [12, 10, 10], payrollAtBank: true },
      loans: [{ type: 'mortgage', outstanding: 90 }],
      bureau: { score: 700 },
    };
    expect(changedPaths(before, after)).toEqual(['deposits.balance', 'income.salaryHistory6m', 'loans']);
  });

  it('reports an added or removed object at its own path', () => {
    const { bureau: _bureau, ...withoutBureau } = before;
    expect(changedPaths(before, withoutBureau)).toEqual(['bureau']);
    expect(changedPaths(withoutBureau, before)).toEqual(['bureau']);
    expect(changedPaths({ a: { b: 1 } }, { a: { b: 1, c: { d: 1 } } })).toEqual(['a.c']);
  });

  it('reports a change of type at its own path', () => {
    expect(changedPaths({ a: { b: 1 } }, { a: [1] })).toEqual(['a']);
    expect(changedPaths({ a: null }, { a: { b: 1 } })).toEqual(['a']);
    expect(changedPaths({ a: null }, {})).toEqual(['a']);
  });

  it('ignores key order and treats 0 and -0 as equal, as JSON does', () => {
    expect(changedPaths({ a: 1, b: { c: 0, d: 2 } }, { b: { d: 2, c: -0 }, a: 1 })).toEqual([]);
  });

  it('lists the sections of a profile that did not exist before', () => {
    expect(changedPaths(undefined, { loans: [], bureau: { score: 700 } })).toEqual(['bureau', 'loans']);
    expect(changedPaths(before, undefined)).toEqual(['bureau', 'deposits', 'income', 'loans']);
    expect(changedPaths(undefined, undefined)).toEqual([]);
  });

  it("reports a differing non-object root as '' (the whole document)", () => {
    expect(changedPaths(1, 2)).toEqual(['']);
    expect(changedPaths([1], { a: 1 })).toEqual(['']);
  });

  it('reads a __proto__ key as data', () => {
    const withProto = JSON.parse('{"__proto__":{"x":1}}');
    expect(changedPaths({}, withProto)).toEqual(['__proto__']);
    expect(changedPaths(withProto, JSON.parse('{"__proto__":{"x":2}}'))).toEqual(['__proto__.x']);
  });

  it('refuses documents nested deeper than the limit', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as JsonValue;
    expect(() => changedPaths(deep, [])).toThrow(ProfileWriteError);
    expect(() => changedPaths([], deep)).toThrow(ProfileWriteError);
  });

  describe('properties', () => {
    // Independent documents mostly differ at the root; a patched copy differs in a few places.
    const pair = fc.oneof(
      fc.tuple(smallJson, smallJson),
      fc
        .tuple(smallJson, smallJson)
        .map(([a, patch]): [JsonValue, JsonValue] => [a, applyMergePatch(a, patch)]),
    );

    it('finds nothing between a document and itself or a reordered copy', () => {
      fc.assert(
        fc.property(smallJson, (a) => {
          expect(changedPaths(a, a)).toEqual([]);
          expect(changedPaths(a, reverseKeys(a))).toEqual([]);
        }),
      );
    });

    it('is non-empty exactly when the documents differ', () => {
      fc.assert(
        fc.property(pair, ([a, b]) => {
          expect(changedPaths(a, b).length > 0).toBe(canonicalJson(a) !== canonicalJson(b));
        }),
      );
    });

    it('compares values inside arrays deeply', () => {
      fc.assert(
        fc.property(pair, ([a, b]) => {
          expect(changedPaths({ list: [a] }, { list: [b] })).toEqual(
            canonicalJson(a) === canonicalJson(b) ? [] : ['list'],
          );
        }),
      );
    });

    it('returns sorted unique paths, each of which really changed', () => {
      fc.assert(
        fc.property(pair, ([a, b]) => {
          const paths = changedPaths(a, b);
          expect(paths).toEqual([...new Set(paths)].sort());
          for (const path of paths)
            expect(canonicalJson(valueAt(a, path))).not.toBe(canonicalJson(valueAt(b, path)));
        }),
      );
    });

    it('covers every changed leaf with a returned path or a prefix of it', () => {
      fc.assert(
        fc.property(pair, ([a, b]) => {
          const paths = changedPaths(a, b);
          for (const leaf of changedLeaves(a, b)) {
            expect(paths.some((path) => path === '' || leaf === path || leaf.startsWith(`${path}.`))).toBe(
              true,
            );
          }
        }),
      );
    });
  });
});

function reverseKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, member]) => [key, reverseKeys(member)]),
  );
}

// The generated keys contain no dots, so a dotted path can be split back into keys.
function valueAt(document: JsonValue | undefined, path: string): JsonValue | undefined {
  if (path === '') return document;
  let current = document;
  for (const key of path.split('.')) {
    current = isJsonObject(current) && Object.hasOwn(current, key) ? current[key] : undefined;
  }
  return current;
}

// Leaves are the non-object values (arrays count as leaves, like in changedPaths) by dotted path.
function leaves(
  value: JsonValue | undefined,
  path = '',
  out = new Map<string, string>(),
): Map<string, string> {
  if (isJsonObject(value)) {
    for (const [key, member] of Object.entries(value))
      leaves(member, path === '' ? key : `${path}.${key}`, out);
  } else if (value !== undefined) {
    out.set(path, canonicalJson(value) ?? '');
  }
  return out;
}

function changedLeaves(a: JsonValue, b: JsonValue): string[] {
  const [leavesA, leavesB] = [leaves(a), leaves(b)];
  return [...new Set([...leavesA.keys(), ...leavesB.keys()])].filter(
    (path) => leavesA.get(path) !== leavesB.get(path),
  );
}
