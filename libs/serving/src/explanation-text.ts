import {
  NARRATIVE_WORDS,
  narrate,
  type FieldTitle,
  type NarrativeLanguage,
  type TraceNode,
} from '@tagforge/rules';

// A structured explanation (CustomerViewService.explain) in words, one line per tag: the tag asked
// about first, then the tags its rule reads, indented below it.

export interface ExplainedReason {
  code: string;
  // Null when the reason's points are computed from data the reader may not see.
  pointsBelowMax: number | null;
  text: { en: string; zh: string } | null;
}

export interface ExplainedTag {
  tagId: string;
  kind: string;
  value: unknown;
  evaluatedValue?: unknown;
  agrees?: boolean;
  trace?: TraceNode;
  // A scorecard: its reasons replace the narrative of its compiled rule (a sum of bins).
  scorecard?: { reasons: readonly ExplainedReason[] };
  components?: ExplainedTag[];
  redacted?: string;
}

export interface ExplanationVocabulary {
  lang: NarrativeLanguage;
  definition(tagId: string): { name?: unknown; nameZh?: unknown; kind: string; rule: unknown } | undefined;
  fieldTitle(path: readonly string[]): FieldTitle;
  // Profile paths whose values this reader may not see.
  withheld(path: readonly string[]): boolean;
}

const REDACTED: Record<NarrativeLanguage, string> = {
  en: 'reads credit-bureau data, which is not shown here',
  zh: '涉及征信数据，此处不予展示',
};
const SCORECARD: Record<
  NarrativeLanguage,
  {
    reasons: (reasons: string[]) => string;
    topScore: string;
    points: (points: string) => string;
    pointsWithheld: string;
  }
> = {
  en: {
    reasons: (reasons) => `main reasons: ${reasons.join('; ')}`,
    topScore: 'no characteristic lowered the score',
    points: (points) => ` (−${points} points)`,
    pointsWithheld: ' (points withheld)',
  },
  zh: {
    reasons: (reasons) => `主要原因：${reasons.join('；')}`,
    topScore: '各项特征均未扣分',
    points: (points) => `（−${points} 分）`,
    pointsWithheld: '（分值已隐藏）',
  },
};
const RECOMPUTING: Record<NarrativeLanguage, (value: string) => string> = {
  en: (value) => ` (the rule now gives ${value}; the stored value is being brought up to date)`,
  zh: (value) => `（按当前规则为 ${value}，存储值正在更新）`,
};

// Mid-sentence a title reads in lower case ("no bureau score on file"), unless it starts with an
// acronym (KYC status).
function inSentence(title: string, lang: NarrativeLanguage): string {
  if (lang !== 'en' || /^[A-Z]{2}/.test(title)) return title;
  return title.charAt(0).toLowerCase() + title.slice(1);
}

function capitalised(text: string, lang: NarrativeLanguage): string {
  return lang === 'en' ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function explanationText(
  explanation: ExplainedTag,
  vocabulary: ExplanationVocabulary,
): { text: string; fallbacks: number } {
  const { lang } = vocabulary;
  const words = NARRATIVE_WORDS[lang];
  let fallbacks = 0;
  const nameOf = (tagId: string): string | undefined => {
    const definition = vocabulary.definition(tagId);
    const name = lang === 'zh' ? (definition?.nameZh ?? definition?.name) : definition?.name;
    return typeof name === 'string' ? name : undefined;
  };
  const valueWord = (kind: string, value: unknown): string => {
    if (kind === 'boolean' || kind === 'segment') return value === true ? words.yes : words.no;
    if (value === null || value === undefined) return words.none;
    return typeof value === 'number'
      ? value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 1 ? 3 : 2 })
      : String(value);
  };
  const lines: string[] = [];
  const walk = (tag: ExplainedTag, depth: number) => {
    let name = nameOf(tag.tagId);
    if (name === undefined) {
      fallbacks += 1;
      name = tag.tagId;
    }
    const head = `${'  '.repeat(depth)}${name}${lang === 'zh' ? '：' : ': '}${valueWord(tag.kind, tag.value)}`;
    let reasons: string;
    if (tag.redacted !== undefined || tag.trace === undefined) {
      reasons = REDACTED[lang];
    } else if (tag.scorecard !== undefined) {
      // The adverse-action reasons in the definition's words (reasonCodes.texts); a code without text
      // is shown as the code.
      const scorecard = SCORECARD[lang];
      const stated = tag.scorecard.reasons.map((reason) => {
        if (reason.text === null) fallbacks += 1;
        const points =
          reason.pointsBelowMax === null
            ? scorecard.pointsWithheld
            : scorecard.points(valueWord('number', reason.pointsBelowMax));
        return `${reason.text?.[lang] ?? reason.code}${points}`;
      });
      reasons = stated.length > 0 ? scorecard.reasons(stated) : scorecard.topScore;
      if (tag.agrees === false) reasons += RECOMPUTING[lang](valueWord(tag.kind, tag.evaluatedValue));
    } else {
      const definition = vocabulary.definition(tag.tagId);
      const narrative = narrate(definition?.rule, tag.trace, {
        lang,
        field: (path) => {
          const title = vocabulary.fieldTitle(path)[lang];
          return title === undefined ? undefined : inSentence(title, lang);
        },
        tag: (tagId) => {
          const found = vocabulary.definition(tagId);
          const tagName = nameOf(tagId);
          return found && tagName ? { name: inSentence(tagName, lang), kind: found.kind } : undefined;
        },
        withheld: vocabulary.withheld,
      });
      fallbacks += narrative.fallbacks;
      reasons = narrative.reasons
        .map((reason) => capitalised(reason, lang))
        .join(lang === 'zh' ? '；' : '; ');
      if (tag.agrees === false) reasons += RECOMPUTING[lang](valueWord(tag.kind, tag.evaluatedValue));
    }
    lines.push(`${head}${lang === 'zh' ? ' —— ' : ' — '}${reasons}`);
    for (const component of tag.components ?? []) walk(component, depth + 1);
  };
  walk(explanation, 0);
  return { text: `${lines.join('\n')}\n`, fallbacks };
}
