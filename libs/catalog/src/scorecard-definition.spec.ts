import { compileScorecard, type Scorecard } from '@tagforge/rules';
import { validateCatalog } from './catalog-validator';
import { readDefinitions } from './definition-format';
import { loadJsonFile } from './definition-loader';
import { runExamples } from './example-runner';
import type { TagDefinitionFile } from './tag-definition';

const profileSchema = loadJsonFile('tag-definitions/profile.schema.json');

const scorecard: Scorecard = {
  baseScore: 600,
  characteristics: [
    {
      name: 'Days past due',
      var: 'cards.0.currentDpd',
      reasonCode: 'DPD',
      bins: [
        { range: [null, 30], points: 20 },
        { range: [30, null], points: -60 },
      ],
      missing: { points: 0 },
    },
    {
      name: 'Home',
      var: 'demographics.homeOwnership',
      reasonCode: 'HOME',
      bins: [
        { values: ['owner', 'mortgaged'], points: 10 },
        { values: ['renter', 'family'], points: -5 },
      ],
      missing: { points: 0 },
    },
  ],
  reasonCodes: {
    count: 2,
    relativeTo: 'max',
    texts: { DPD: { en: 'Card overdue', zh: '信用卡逾期' }, HOME: { en: 'Housing', zh: '住房' } },
  },
};

const examples = [
  {
    name: 'on time, owner',
    profile: { cards: [{ currentDpd: 0 }], demographics: { homeOwnership: 'owner' } },
    expect: 630,
  },
  { name: 'late, nothing else known', profile: { cards: [{ currentDpd: 45 }] }, expect: 540 },
];

function model(extra: Record<string, unknown> = {}): TagDefinitionFile {
  return {
    file: 'tags/card_score.json',
    content: {
      id: 'card_score',
      name: 'Card score',
      kind: 'number',
      purpose: 'risk',
      category: 'credit_risk',
      scorecard,
      examples,
      ...extra,
    },
  };
}

describe('scorecard definitions', () => {
  it('validate like a rule and carry their compiled rule', () => {
    expect(validateCatalog([model()], profileSchema)).toEqual({ errors: [], warnings: [] });
    const [{ definition }] = readDefinitions([model()]).definitions;
    expect(definition.rule).toEqual(compileScorecard(scorecard));
  });

  it('run their examples through the engine', () => {
    expect(runExamples([model()], profileSchema).map((result) => [result.actual, result.passed])).toEqual([
      [630, true],
      [540, true],
    ]);
  });

  it('accept the compiled rule beside the scorecard (as the service stores them) but no other', () => {
    expect(readDefinitions([model({ rule: compileScorecard(scorecard) })]).errors).toEqual([]);
    expect(readDefinitions([model({ rule: true })]).errors).toEqual([
      expect.objectContaining({ pointer: '/rule', code: 'rule_and_scorecard' }),
    ]);
  });

  it('need a rule or a scorecard', () => {
    const { scorecard: _dropped, ...bare } = model().content as Record<string, unknown>;
    expect(readDefinitions([{ file: 'tags/card_score.json', content: bare }]).errors).toEqual([
      expect.objectContaining({ pointer: '', message: 'missing required field "rule" (or "scorecard")' }),
    ]);
  });

  it('are number tags', () => {
    const { errors } = validateCatalog([model({ kind: 'boolean', examples: [] })], profileSchema);
    expect(errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: '/kind', code: 'invalid_definition' })]),
    );
  });

  it('report unknown paths and bins that leave gaps, at the characteristic', () => {
    const broken: Scorecard = {
      ...scorecard,
      characteristics: [
        { ...scorecard.characteristics[0], var: 'cards.0.currentDpdd' },
        {
          ...scorecard.characteristics[1],
          bins: [{ values: ['owner'], points: 1, range: [null, null] }],
        },
      ],
    };
    expect(readDefinitions([model({ scorecard: broken })]).errors).toEqual([
      expect.objectContaining({
        pointer: '/scorecard/characteristics/1/bins/0',
        code: 'invalid_scorecard',
        message: 'a bin has either a range or values',
      }),
    ]);
    const unknown = {
      ...scorecard,
      characteristics: [{ ...scorecard.characteristics[0], var: 'cards.0.currentDpdd' }],
    };
    expect(validateCatalog([model({ scorecard: unknown, examples: [] })], profileSchema).errors).toEqual([
      expect.objectContaining({ pointer: '/scorecard/characteristics/0/var', code: 'unknown_path' }),
    ]);
  });

  it('may read bureau data for risk, never for marketing', () => {
    const bureau = {
      ...scorecard,
      characteristics: [{ ...scorecard.characteristics[0], var: 'bureau.inquiries3m', name: 'Inquiries' }],
    };
    expect(validateCatalog([model({ scorecard: bureau, examples: [] })], profileSchema).errors).toEqual([]);
    expect(
      validateCatalog(
        [model({ scorecard: bureau, examples: [], purpose: 'marketing', category: 'loan_intent' })],
        profileSchema,
      ).errors,
    ).toEqual([
      expect.objectContaining({ pointer: '/scorecard/characteristics/0/var', code: 'purpose_violation' }),
    ]);
  });
});
