import fc from 'fast-check';
import {
  CatalogDefinitionError,
  CatalogEvaluator,
  EvaluableDefinition,
  TagValue,
} from '@tagforge/evaluation';
import { parseNow } from '@tagforge/rules';

const NOW = parseNow('2026-01-01T00:00:00Z');

const catalog: EvaluableDefinition[] = [
  {
    id: 'low_risk',
    kind: 'boolean',
    rule: { and: [{ '!!': { var: 'bureau.score' } }, { '>=': [{ var: 'bureau.score' }, 700] }] },
  },
  { id: 'overdue', kind: 'boolean', rule: { some: [{ var: 'loans' }, { '>': [{ var: 'currentDpd' }, 0] }] } },
  {
    id: 'score_band',
    kind: 'category',
    rule: {
      if: [{ '!': { var: 'bureau.score' } }, null, { '>=': [{ var: 'bureau.score' }, 700] }, 'good', 'poor'],
    },
  },
  { id: 'age', kind: 'number', rule: { years_since: { var: 'demographics.birthDate' } } },
  { id: 'young', kind: 'boolean', rule: { '<': [{ var: 'tags.age' }, 30] } },
  {
    id: 'offer',
    kind: 'segment',
    rule: {
      and: [
        { var: 'tags.low_risk' },
        { '!': { var: 'tags.overdue' } },
        { '==': [{ var: 'tags.score_band' }, 'good'] },
      ],
    },
  },
  { id: 'balance', kind: 'number', rule: { var: 'deposits.balance' } },
];

describe('CatalogEvaluator', () => {
  const evaluator = new CatalogEvaluator(catalog);

  it('evaluates in dependency order and returns only set tags', () => {
    expect(evaluator.order.indexOf('offer')).toBeGreaterThan(evaluator.order.indexOf('score_band'));
    expect(evaluator.order.indexOf('young')).toBeGreaterThan(evaluator.order.indexOf('age'));
    const profile = {
      bureau: { score: 720 },
      loans: [{ currentDpd: 0 }],
      demographics: { birthDate: '2000-06-01' },
      deposits: { balance: 0 },
    };
    expect(evaluator.evaluateCustomer(profile, NOW)).toEqual({
      values: { low_risk: true, score_band: 'good', age: 25, young: true, offer: true, balance: 0 },
      errors: [],
    });
  });

  it('gives rules the profile plus tags, without mutating the profile', () => {
    const reader = new CatalogEvaluator([
      { id: 'a', kind: 'boolean', rule: false },
      { id: 'b', kind: 'category', rule: null },
      {
        id: 'seen',
        kind: 'category',
        rule: { cat: [{ var: 'tags.a' }, '/', { var: 'tags.b' }, '/', { var: 'name' }] },
      },
    ]);
    const profile = Object.freeze({ name: 'n' });
    expect(reader.evaluateCustomer(profile, NOW).values).toEqual({ seen: 'false//n' });
    expect(profile).toEqual({ name: 'n' });
  });

  it('does not leak one customer’s tags into the next', () => {
    const first = evaluator.evaluateCustomer({ bureau: { score: 800 }, loans: [] }, NOW);
    expect(first.values.offer).toBe(true);
    expect(evaluator.evaluateCustomer({}, NOW)).toEqual({ values: { young: true }, errors: [] });
  });

  it.each<[string, unknown, TagValue | undefined]>([
    ['boolean', [], undefined],
    ['boolean', '0', true],
    ['boolean', 0, undefined],
    ['boolean', [0], true],
    ['segment', 'x', true],
    ['category', 'gold', 'gold'],
    ['category', '', undefined],
    ['category', null, undefined],
    ['number', 0, 0],
    ['number', -0, 0],
    ['number', 2.5, 2.5],
    ['number', null, undefined],
  ])('normalises a %s rule giving %j', (kind, value, expected) => {
    const single = new CatalogEvaluator([
      { id: 't', kind: kind as EvaluableDefinition['kind'], rule: { var: 'v' } },
    ]);
    const result = single.evaluateCustomer({ v: value }, NOW);
    expect(result.errors).toEqual([]);
    expect(result.values.t).toBe(expected);
    expect(Object.hasOwn(result.values, 't')).toBe(expected !== undefined);
  });

  it.each<[string, unknown]>([
    ['category', 5],
    ['category', true],
    ['category', ['a']],
    ['number', '5'],
    ['number', Number.NaN],
    ['number', Number.POSITIVE_INFINITY],
    ['number', true],
  ])('counts a %s rule giving %j as an error', (kind, value) => {
    const single = new CatalogEvaluator([
      { id: 't', kind: kind as EvaluableDefinition['kind'], rule: { var: 'v' } },
    ]);
    const result = single.evaluateCustomer({ v: value }, NOW);
    expect(result.values).toEqual({});
    expect(result.errors).toEqual([
      { tagId: 't', message: expect.stringContaining(`a ${kind} rule must give`) as string },
    ]);
  });

  it('counts a rule that throws and carries on with the others', () => {
    const throwing = new CatalogEvaluator([
      { id: 'bad', kind: 'boolean', rule: { in: ['a', { var: 'o' }] } },
      { id: 'good', kind: 'boolean', rule: { '!!': { var: 'o' } } },
      { id: 'reads_bad', kind: 'category', rule: { if: [{ var: 'tags.bad' }, 'was set', 'unset'] } },
    ]);
    const result = throwing.evaluateCustomer({ o: { indexOf: 1 } }, NOW);
    expect(result.values).toEqual({ good: true, reads_bad: 'unset' });
    expect(result.errors).toEqual([
      { tagId: 'bad', message: expect.stringContaining('not a function') as string },
    ]);
    // With previous values, a throwing rule keeps its value, and dependents see it.
    const kept = throwing.evaluateCustomer({ o: { indexOf: 1 } }, NOW, { current: { bad: true } });
    expect(kept.values).toEqual({ bad: true, good: true, reads_bad: 'was set' });
  });

  it('evaluates only the tags asked for and keeps the others from current', () => {
    const profile = { bureau: { score: 720 }, loans: [], demographics: { birthDate: '2000-06-01' } };
    const current = { low_risk: true, score_band: 'poor', age: 99, balance: 7 } as const;
    const result = evaluator.evaluateCustomer(profile, NOW, {
      only: new Set(['score_band', 'offer']),
      current,
    });
    expect(result.values).toEqual({ low_risk: true, score_band: 'good', age: 99, offer: true, balance: 7 });
  });

  it('evaluates a part of the catalog the same from only the current values withInputs names', () => {
    const only = evaluator.withDependents(['score_band']);
    const needed = evaluator.withInputs(only);
    expect(needed).toEqual(new Set(['score_band', 'offer', 'low_risk', 'overdue']));
    const profile = { bureau: { score: 720 }, loans: [], demographics: { birthDate: '2000-06-01' } };
    const current = { low_risk: true, score_band: 'poor', age: 99, young: true, balance: 7 } as const;
    const narrowed = Object.fromEntries(Object.entries(current).filter(([id]) => needed.has(id)));
    const full = evaluator.evaluateCustomer(profile, NOW, { only, current });
    const partial = evaluator.evaluateCustomer(profile, NOW, { only, current: narrowed });
    for (const id of only) expect({ id, value: partial.values[id] }).toEqual({ id, value: full.values[id] });
  });

  it('finds the tags affected by changed paths, with their dependents', () => {
    expect(evaluator.affectedTags(['bureau.score'])).toEqual(new Set(['low_risk', 'score_band', 'offer']));
    expect(evaluator.affectedTags(['bureau'])).toEqual(new Set(['low_risk', 'score_band', 'offer']));
    expect(evaluator.affectedTags(['loans.2.currentDpd'])).toEqual(new Set(['overdue', 'offer']));
    expect(evaluator.affectedTags(['deposits'])).toEqual(new Set(['balance']));
    expect(evaluator.affectedTags(['deposits.balance.extra'])).toEqual(new Set(['balance']));
    expect(evaluator.affectedTags(['depositsX', 'marketing'])).toEqual(new Set());
    expect(evaluator.timeDependentTags()).toEqual(new Set(['age', 'young']));
    expect(evaluator.dependencies('offer')).toEqual({
      paths: [],
      tags: ['low_risk', 'overdue', 'score_band'],
      readsNow: false,
    });
  });

  it('refuses broken catalogs', () => {
    expect(() => new CatalogEvaluator([{ id: 'a', kind: 'boolean', rule: { var: 'tags.missing' } }])).toThrow(
      'tag "a": reads unknown tag "missing"',
    );
    expect(() => new CatalogEvaluator([catalog[0], catalog[0]])).toThrow('defined twice');
    expect(() => new CatalogEvaluator([{ id: 'a', kind: 'boolean', rule: { log: 1 } }])).toThrow(
      CatalogDefinitionError,
    );
    expect(
      () =>
        new CatalogEvaluator([
          { id: 'a', kind: 'boolean', rule: { var: 'tags.b' } },
          { id: 'b', kind: 'boolean', rule: { var: 'tags.a' } },
        ]),
    ).toThrow('a -> b -> a');
  });

  it('gives the same tags incrementally as by full recompute', () => {
    const section = fc.oneof(
      fc.constant(undefined),
      fc.record(
        { score: fc.oneof(fc.constant(null), fc.integer({ min: 300, max: 850 })) },
        { requiredKeys: [] },
      ),
    );
    const loans = fc.oneof(
      fc.constant(undefined),
      fc.array(fc.record({ currentDpd: fc.integer({ min: 0, max: 3 }) }), { maxLength: 3 }),
    );
    const profile = fc.record({
      bureau: section,
      loans,
      demographics: fc.option(fc.record({ birthDate: fc.constantFrom('1990-01-01', '2001-02-03', 'bad') }), {
        nil: undefined,
      }),
      deposits: fc.option(fc.record({ balance: fc.oneof(fc.integer(), fc.constant('x')) }), {
        nil: undefined,
      }),
    });
    const changed = (a: Record<string, unknown>, b: Record<string, unknown>): string[] =>
      Object.keys({ ...a, ...b }).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
    fc.assert(
      fc.property(profile, profile, (before, after) => {
        const previous = evaluator.evaluateCustomer(before, NOW).values;
        const full = evaluator.evaluateCustomer(after, NOW, { current: previous });
        const incremental = evaluator.evaluateCustomer(after, NOW, {
          only: evaluator.affectedTags(changed(before, after)),
          current: previous,
        });
        // Errors come only from the tags evaluated; the tag state must be identical.
        expect(incremental.values).toEqual(full.values);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
