import { loadDefinitionsFolder, loadJsonFile, readDefinitions, type TagDefinition } from '@tagforge/catalog';
import { CatalogEvaluator, type TagKind } from '@tagforge/evaluation';
import { explain, fieldTitle, parseNow, type NarrativeLanguage } from '@tagforge/rules';
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

// What CustomerViewService.explain builds: the rule re-evaluated with its tags, walking into them.
function explained(
  tagId: string,
  profile: unknown,
  values: Record<string, unknown>,
  depth = 0,
): ExplainedTag {
  const definition = byId.get(tagId)!;
  const tagsRead: Record<string, unknown> = {};
  const dependencies = evaluator.dependencies(tagId).tags;
  for (const dependency of dependencies) {
    const kind = byId.get(dependency)!.kind;
    tagsRead[dependency] = values[dependency] ?? (kind === 'boolean' || kind === 'segment' ? false : null);
  }
  const result = explain(definition.rule, { ...(profile as object), tags: tagsRead }, NOW);
  const stored =
    values[tagId] ?? (definition.kind === 'boolean' || definition.kind === 'segment' ? false : null);
  return {
    tagId,
    kind: definition.kind,
    value: stored,
    trace: result.trace,
    ...(dependencies.length > 0 && depth < 4
      ? { components: dependencies.map((dependency) => explained(dependency, profile, values, depth + 1)) }
      : {}),
  };
}

const evaluations = new Map<unknown, Record<string, unknown>>();

function text(tagId: string, profile: unknown, lang: NarrativeLanguage, canReadBureau = true) {
  let values = evaluations.get(profile);
  if (!values) evaluations.set(profile, (values = evaluator.evaluateCustomer(profile, NOW).values));
  return explanationText(explained(tagId, profile, values), {
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
          const result = text(definition.id, profile, lang);
          rendered += 1;
          if (result.fallbacks > 0 || /[{}]|"|\bvar\b|tags\.|✓|✗/.test(result.text)) {
            failures.push(`${definition.id} (${lang}): ${result.text}`);
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
});
