import { loadDefinitionsFolder, loadJsonFile, readDefinitions, type TagDefinition } from '@tagforge/catalog';
import { CatalogEvaluator, type TagKind } from '@tagforge/evaluation';
import {
  explain,
  fieldTitle,
  hideCharacteristics,
  isBureauPath,
  parseNow,
  scoreScorecard,
  type NarrativeLanguage,
  type Scorecard,
} from '@tagforge/rules';
import { explanationText, type ExplainedTag } from './explanation-text';

const NOW = parseNow('2026-01-01T00:00:00Z');
const schema = loadJsonFile('tag-definitions/profile.schema.json');
const definitions: TagDefinition[] = readDefinitions(
  loadDefinitionsFolder('tag-definitions'),
).definitions.map((loaded) => loaded.definition);
const byId = new Map(definitions.map((definition) => [definition.id, definition]));
const evaluator = new CatalogEvaluator(
  definitions.map((definition) => ({
    id: definition.id,
    kind: definition.kind as TagKind,
    rule: definition.rule,
  })),
);
// For each definition its own examples (customers it holds for and does not), an empty profile
// (missing data) and a spread of the catalog's other examples.
const examples = definitions.flatMap((definition) => (definition.examples ?? []).map((e) => e.profile));
const spread: unknown[] = [{}, ...examples.filter((_, index) => index % 12 === 0)];
const profilesOf = (definition: TagDefinition) => [
  ...spread,
  ...(definition.examples ?? []).map((e) => e.profile),
];

// What CustomerViewService.explain builds: the rule re-evaluated with its tags, walking into them;
// for a reader without bureau:read with every bureau read redacted, and a scorecard's reasons.
function explained(
  tagId: string,
  profile: unknown,
  values: Record<string, unknown>,
  canReadBureau: boolean,
  depth = 0,
): ExplainedTag {
  const definition = byId.get(tagId)!;
  const tagsRead: Record<string, unknown> = {};
  const dependencies = evaluator.dependencies(tagId).tags;
  for (const dependency of dependencies) {
    const kind = byId.get(dependency)!.kind;
    tagsRead[dependency] = values[dependency] ?? (kind === 'boolean' || kind === 'segment' ? false : null);
  }
  const context = { ...(profile as object), tags: tagsRead };
  const result = explain(definition.rule, context, NOW, {
    hiddenPaths: canReadBureau ? undefined : isBureauPath,
  });
  const card = (definition as { scorecard?: Scorecard }).scorecard;
  const scored = card === undefined ? undefined : scoreScorecard(card, context);
  const stored =
    values[tagId] ?? (definition.kind === 'boolean' || definition.kind === 'segment' ? false : null);
  return {
    tagId,
    kind: definition.kind,
    value: stored,
    trace: result.trace,
    ...(scored === undefined
      ? {}
      : { scorecard: canReadBureau ? scored : hideCharacteristics(scored, isBureauPath) }),
    ...(dependencies.length > 0 && depth < 4
      ? {
          components: dependencies.map((dependency) =>
            explained(dependency, profile, values, canReadBureau, depth + 1),
          ),
        }
      : {}),
  };
}

const evaluations = new Map<unknown, Record<string, unknown>>();

function text(tagId: string, profile: unknown, lang: NarrativeLanguage, canReadBureau = true) {
  let values = evaluations.get(profile);
  if (!values) evaluations.set(profile, (values = evaluator.evaluateCustomer(profile, NOW).values));
  return explanationText(explained(tagId, profile, values, canReadBureau), {
    lang,
    definition: (id) => {
      const definition = byId.get(id);
      return (
        definition && {
          name: definition.name,
          nameZh: definition.nameZh,
          kind: definition.kind,
          rule: definition.rule,
        }
      );
    },
    fieldTitle: (path) => fieldTitle(schema, path),
    withheld: (path) => path[0] === 'bureau' && !canReadBureau,
  });
}

describe('explanations in words', () => {
  it('render every shipped definition in English and Chinese without falling back to JSON Logic', () => {
    const failures: string[] = [];
    let rendered = 0;
    for (const definition of definitions) {
      for (const profile of profilesOf(definition)) {
        for (const lang of ['en', 'zh'] as const) {
          // As a key with bureau:read reads it, and as one without (the trace redacted).
          for (const canReadBureau of [true, false]) {
            const result = text(definition.id, profile, lang, canReadBureau);
            rendered += 1;
            if (result.fallbacks > 0 || /[{}]|"|\bvar\b|tags\.|✓|✗|‹redacted›/.test(result.text)) {
              failures.push(`${definition.id} (${lang}, bureau ${canReadBureau}): ${result.text}`);
            }
          }
        }
      }
    }
    expect(rendered).toBeGreaterThan(1000);
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('says why a tag holds with field titles and tag names', () => {
    const profile = {
      bureau: {
        score: 754,
        inquiries3m: 0,
        otherLenders: 1,
        maxDpd24m: 0,
        dishonestDebtor: false,
        thinFile: false,
      },
      income: { monthlySalary: 20000 },
      loans: [{ type: 'car', status: 'active', currentDpd: 0 }],
    };
    const [en] = text('low_risk', profile, 'en').text.split('\n');
    expect(en).toBe(
      'Low risk: yes — Bureau score 754 on file; Bureau score 754 is at least 680; Thin credit file: no; ' +
        'Currently overdue: no; 90+ days past due in 24 months: no; Loan written off: no; ' +
        'Dishonest judgment debtor: no; Multi-lender borrowing: no; High debt-to-income (> 50 %): no',
    );
    const [zh] = text('low_risk', profile, 'zh').text.split('\n');
    expect(zh).toContain('低风险客户：是 —— 征信评分为 754；征信评分 754 不低于 680；征信白户/薄档：否；');
    const refused = text('low_risk', { bureau: { score: 640 } }, 'en').text.split('\n')[0];
    expect(refused).toBe('Low risk: no — Bureau score 640 is below 680');
  });

  it('names the category a tag takes and the condition that chose it', () => {
    const grade = text('age_band', { demographics: { birthDate: '1990-06-15' } }, 'en').text;
    expect(grade).toBe(
      'Age band: 31_45 — Birth date 1990-06-15 on file; 35 years since birth date 1990-06-15 is at most 45\n',
    );
  });

  it('withholds credit-bureau values from a reader without bureau:read', () => {
    const result = text('low_risk', { bureau: { score: 754 } }, 'en', false).text;
    expect(result).not.toContain('754');
    expect(result).toContain('a condition on bureau score (withheld)'.replace(/^a/, 'A'));
  });

  it("states a scorecard's top reasons in the definition's words, in English and Chinese", () => {
    const card = byId.get('default_risk_score') as TagDefinition & { scorecard: Scorecard };
    const profile = {
      cards: [
        {
          status: 'active',
          limit: 20000,
          currentDpd: 45,
          maxDpd6m: 60,
          avgUtilization6m: 0.97,
          dpdHistory6m: [45, 30, 30, 0, 0, 0],
          paymentHistory6m: [0, 0, 0, 0, 0, 0],
        },
      ],
    };
    const scored = scoreScorecard(card.scorecard, { ...profile, tags: {} });
    expect(scored.reasons.length).toBeGreaterThan(0);
    const [en] = text('default_risk_score', profile, 'en').text.split('\n');
    const [zh] = text('default_risk_score', profile, 'zh').text.split('\n');
    const first = scored.reasons[0];
    expect(en).toMatch(/^Default risk score \(card scorecard\): [\d,.]+ — main reasons: /);
    expect(en).toContain(`${first.text!.en} (−${first.pointsBelowMax} points)`);
    expect(zh).toMatch(/^违约风险评分卡：[\d,.]+ —— 主要原因：/);
    expect(zh).toContain(`${first.text!.zh}（−${first.pointsBelowMax} 分）`);
    for (const reason of scored.reasons) expect(en).toContain(reason.text!.en);
  });

  it("keeps a withheld characteristic's reason in words but not its points", () => {
    const explainedTag: ExplainedTag = {
      tagId: 'bureau_card',
      kind: 'number',
      value: 512,
      trace: { pointer: '', op: '+', inputs: [], value: 512, children: [] },
      scorecard: {
        reasons: [
          { code: 'B1', pointsBelowMax: null, text: { en: 'Many bureau inquiries', zh: '征信查询次数多' } },
          {
            code: 'C1',
            pointsBelowMax: 20,
            text: { en: 'Card used close to its limit', zh: '额度使用率高' },
          },
        ],
      },
    };
    const vocabulary = (lang: NarrativeLanguage) => ({
      lang,
      definition: () => ({ name: 'Bureau card', nameZh: '征信评分卡', kind: 'number', rule: {} }),
      fieldTitle: () => ({}),
      withheld: () => true,
    });
    expect(explanationText(explainedTag, vocabulary('en')).text).toBe(
      'Bureau card: 512 — main reasons: Many bureau inquiries (points withheld); Card used close to its limit (−20 points)\n',
    );
    expect(explanationText(explainedTag, vocabulary('zh')).text).toBe(
      '征信评分卡：512 —— 主要原因：征信查询次数多（分值已隐藏）；额度使用率高（−20 分）\n',
    );
  });

  it('reads a trace redacted for the reader as withheld, and still names the branch it took', () => {
    const rule = {
      if: [
        { '>=': [{ var: 'bureau.score' }, 700] },
        'A',
        { '>': [{ var: 'income.monthlySalary' }, 5000] },
        'B',
        'C',
      ],
    };
    const vocabulary = {
      lang: 'en' as const,
      definition: () => ({ name: 'Grade', kind: 'category', rule }),
      fieldTitle: (path: readonly string[]) => fieldTitle(schema, path),
      withheld: () => false,
    };
    const render = (profile: object) => {
      const result = explain(rule, profile, NOW, { hiddenPaths: isBureauPath });
      return explanationText(
        { tagId: 'grade', kind: 'category', value: result.value, trace: result.trace },
        vocabulary,
      ).text;
    };
    // The bureau condition failed (the salary was looked at): the one that held is named.
    const b = render({ bureau: { score: 640 }, income: { monthlySalary: 8000 } });
    expect(b).toBe('Grade: B — Monthly salary 8,000 is above 5,000\n');
    // The bureau condition held: nothing else was evaluated and its result is not shown.
    const a = render({ bureau: { score: 760 }, income: { monthlySalary: 8000 } });
    expect(a).not.toContain('760');
    expect(a).toBe('Grade: A — A condition on bureau score (withheld)\n');
  });
});
