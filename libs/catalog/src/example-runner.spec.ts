import { loadJsonFile } from './definition-loader';
import { runExamples } from './example-runner';
import type { TagDefinitionFile } from './tag-definition';

const profileSchema = loadJsonFile('tag-definitions/profile.schema.json');

function definition(id: string, kind: string, rule: unknown, examples: unknown[]): TagDefinitionFile {
  return {
    file: `tags/${id}.json`,
    content: {
      id,
      name: id,
      kind,
      purpose: 'risk',
      category: kind === 'segment' ? 'segment' : 'credit_risk',
      rule,
      examples,
    },
  };
}

const band = definition(
  'band',
  'category',
  {
    if: [
      { '!!': { var: 'bureau.score' } },
      { if: [{ '<': [{ var: 'bureau.score' }, 600] }, 'low', 'high'] },
      null,
    ],
  },
  [
    { name: 'low', profile: { bureau: { score: 550 } }, expect: 'low' },
    { name: 'none', profile: {}, expect: null },
  ],
);

describe('runExamples', () => {
  it('computes the dependencies of a definition from the same catalog', () => {
    const risky = definition('risky', 'boolean', { '==': [{ var: 'tags.band' }, 'low'] }, [
      { name: 'score 550', profile: { bureau: { score: 550 } }, expect: true },
      { name: 'score 700', profile: { bureau: { score: 700 } }, expect: false },
    ]);
    const watch = definition('watch', 'segment', { var: 'tags.risky' }, [
      { name: 'score 500', profile: { bureau: { score: 500 } }, expect: true },
    ]);
    const results = runExamples([band, risky, watch], profileSchema);
    expect(results.map((result) => [result.id, result.name, result.passed])).toEqual([
      ['band', 'low', true],
      ['band', 'none', true],
      ['risky', 'score 550', true],
      ['risky', 'score 700', true],
      ['watch', 'score 500', true],
    ]);
  });

  it('reports expected and actual values of a failing example', () => {
    const wrong = definition('wrong', 'category', { var: 'demographics.occupation' }, [
      { name: 'student', profile: { demographics: { occupation: 'student' } }, expect: 'retired' },
    ]);
    expect(runExamples([wrong], profileSchema)).toEqual([
      {
        file: 'tags/wrong.json',
        id: 'wrong',
        index: 0,
        name: 'student',
        passed: false,
        expected: 'retired',
        actual: 'student',
      },
    ]);
  });

  it('treats an unset boolean as false and a missing number as null', () => {
    const flag = definition('flag', 'boolean', { '===': [{ var: 'marketing.optOut' }, true] }, [
      { name: 'unset', profile: {}, expect: false },
    ]);
    const count = definition('count', 'number', { var: 'marketing.contacts30d' }, [
      { name: 'none', profile: {}, expect: null },
      { name: 'three', profile: { marketing: { contacts30d: 3 } }, expect: 3 },
    ]);
    expect(runExamples([flag, count], profileSchema).every((result) => result.passed)).toBe(true);
  });

  it('uses fixed tag values instead of computing them', () => {
    const risky = definition('risky', 'boolean', { '==': [{ var: 'tags.band' }, 'low'] }, [
      { name: 'fixed low', profile: {}, tags: { band: 'low' }, expect: true },
    ]);
    expect(runExamples([band, risky], profileSchema)[2]).toEqual(
      expect.objectContaining({ passed: true, actual: true }),
    );
  });

  it('evaluates at the example instant, 2026-01-01 by default', () => {
    const recent = definition(
      'recent',
      'boolean',
      { '<=': [{ days_since: { var: 'relationship.customerSince' } }, 30] },
      [
        { name: 'default now', profile: { relationship: { customerSince: '2025-12-15' } }, expect: true },
        {
          name: 'a year later',
          profile: { relationship: { customerSince: '2025-12-15' } },
          now: '2026-12-15T00:00:00Z',
          expect: false,
        },
      ],
    );
    expect(runExamples([recent], profileSchema).map((result) => result.passed)).toEqual([true, true]);
  });

  it('fails an example whose profile does not match the schema, or whose rule cannot run', () => {
    const typo = definition('typo', 'boolean', true, [
      { name: 'typo', profile: { bureua: {} }, expect: true },
    ]);
    const orphan = definition('orphan', 'boolean', { var: 'tags.missing' }, [
      { name: 'any', profile: {}, expect: false },
    ]);
    const [first, second] = runExamples([typo, orphan], profileSchema);
    expect(first).toEqual(
      expect.objectContaining({ passed: false, error: expect.stringContaining('/bureua') }),
    );
    expect(second).toEqual(
      expect.objectContaining({ passed: false, error: expect.stringContaining('missing') }),
    );
  });
});
