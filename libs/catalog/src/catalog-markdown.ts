import { TAG_CATEGORIES, type TagDefinition } from './tag-definition';

/** One Markdown table row per definition, by category (in catalog order) and id. */
export function catalogMarkdownTable(definitions: readonly TagDefinition[]): string {
  const order = new Map<string, number>(TAG_CATEGORIES.map((category, index) => [category, index]));
  const sorted = [...definitions].sort(
    (a, b) =>
      (order.get(a.category) ?? 0) - (order.get(b.category) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const lines = ['| id | kind | purpose | category | name | description |', '|---|---|---|---|---|---|'];
  for (const d of sorted) {
    const name = d.nameZh === undefined ? d.name : `${d.name} (${d.nameZh})`;
    const cells = [`\`${d.id}\``, d.kind, d.purpose, d.category, name, d.description ?? ''];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
