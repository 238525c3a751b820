import { catalogMarkdownTable } from './catalog-markdown';
import type { TagDefinition } from './tag-definition';

const base = { purpose: 'risk', rule: true } as const;

it('lists definitions by category order, then id, escaping pipes', () => {
  const definitions: TagDefinition[] = [
    { ...base, id: 'b_segment', name: 'B', kind: 'segment', category: 'segment', purpose: 'marketing' },
    {
      ...base,
      id: 'z_age',
      name: 'Z',
      nameZh: '年龄',
      kind: 'category',
      category: 'demographics',
      description: 'a | b',
    },
    {
      ...base,
      id: 'a_age',
      name: 'A',
      kind: 'boolean',
      category: 'demographics',
      description: 'line one\nline two',
    },
  ];
  expect(catalogMarkdownTable(definitions)).toBe(
    [
      '| id | kind | purpose | category | name | description |',
      '|---|---|---|---|---|---|',
      '| `a_age` | boolean | risk | demographics | A | line one line two |',
      '| `z_age` | category | risk | demographics | Z (年龄) | a \\| b |',
      '| `b_segment` | segment | marketing | segment | B |  |',
      '',
    ].join('\n'),
  );
});
