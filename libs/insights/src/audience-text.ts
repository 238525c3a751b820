// An audience written as text (pure), as query strings and overlap lists name them: `high_intent`
// (a segment or boolean tag), `risk_grade=A` (a category tag's value), `bureau_score=600..700` (a
// number tag within bounds, either side open: `600..`, `..700`).

export interface AudienceText {
  id: string;
  value?: string;
  min?: number;
  max?: number;
}

const NUMBER = /^-?\d{1,15}(\.\d{1,15})?$/;

export function parseAudienceText(text: string): AudienceText | { problem: string } {
  const at = text.indexOf('=');
  if (at < 0) return { id: text };
  const id = text.slice(0, at);
  const rest = text.slice(at + 1);
  const range = /^(.*)\.\.(.*)$/.exec(rest);
  if (range && (range[1] === '' || NUMBER.test(range[1])) && (range[2] === '' || NUMBER.test(range[2]))) {
    if (range[1] === '' && range[2] === '') return { problem: `${text}: a range needs at least one bound` };
    return {
      id,
      ...(range[1] !== '' ? { min: Number(range[1]) } : {}),
      ...(range[2] !== '' ? { max: Number(range[2]) } : {}),
    };
  }
  if (rest === '') return { problem: `${text}: no value after "="` };
  return { id, value: rest };
}

export function audienceLabel(audience: AudienceText): string {
  if (audience.value !== undefined) return `${audience.id}=${audience.value}`;
  if (audience.min !== undefined || audience.max !== undefined) {
    return `${audience.id}=${audience.min ?? ''}..${audience.max ?? ''}`;
  }
  return audience.id;
}
