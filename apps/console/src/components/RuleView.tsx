import { useTags } from '../api/queries';
import { useI18n } from '../i18n/i18n';
import { renderRule, RULE_WORDS, type RuleLine } from '../rules/render-rule';

function Lines({ line }: { line: RuleLine }) {
  return (
    <li>
      {line.text}
      {line.children ? (
        <ul className="rule-outline">
          {line.children.map((child, index) => (
            <Lines key={index} line={child} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

// A rule rendered readably, tags by their names in the current language.
export function RuleView({ rule }: { rule: unknown }) {
  const { lang, tagName } = useI18n();
  const tags = useTags();
  const byId = new Map((tags.data ?? []).map((tag) => [tag.id, tag]));
  const outline = renderRule(rule, { words: RULE_WORDS[lang], tagName: (id) => tagName(byId.get(id), id) });
  return (
    <ul className="rule-outline" data-testid="rule-outline">
      <Lines line={outline} />
    </ul>
  );
}

export function JsonBlock({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
