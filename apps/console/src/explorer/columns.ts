// The columns an export can carry (GET/POST …/members?columns=): a tag's value, or a profile field
// by its dotted path. Fields come from the profile schema the API validates with (bundled at
// build), so the picker offers exactly the paths the API accepts.
export interface ColumnOption {
  value: string;
  title: string;
  titleZh?: string;
  source: 'tag' | 'profile';
  // profile:bureau.* needs the bureau:read scope.
  bureau: boolean;
}

interface SchemaNode {
  type?: string | string[];
  title?: string;
  'x-title-zh'?: string;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
}

export const MAX_COLUMNS = 20;

// Scalar fields only: an array (loans, cards) has no single value per customer, and `asOf` is a
// section's snapshot time, not a customer's attribute.
export function profileColumns(schema: { properties?: Record<string, SchemaNode> }): ColumnOption[] {
  const out: ColumnOption[] = [];
  const walk = (node: SchemaNode, path: string[], titles: string[], titlesZh: string[]) => {
    if (node.properties) {
      for (const [name, child] of Object.entries(node.properties)) {
        if (name === 'asOf' || name.startsWith('$')) continue;
        walk(
          child,
          [...path, name],
          [...titles, child.title ?? name],
          [...titlesZh, child['x-title-zh'] ?? child.title ?? name],
        );
      }
      return;
    }
    if (node.type === 'array' || path.length === 0) return;
    out.push({
      value: `profile:${path.join('.')}`,
      title: titles.join(' › '),
      titleZh: titlesZh.join(' › '),
      source: 'profile',
      bureau: path[0] === 'bureau',
    });
  };
  walk({ properties: schema.properties }, [], [], []);
  return out;
}

export function tagColumns(
  tags: readonly { id: string; name?: string; nameZh?: string; kind: string }[],
): ColumnOption[] {
  return tags
    .filter((tag) => tag.kind !== 'segment')
    .map((tag) => ({
      value: `tag:${tag.id}`,
      title: tag.name ?? tag.id,
      ...(tag.nameZh ? { titleZh: tag.nameZh } : {}),
      source: 'tag' as const,
      bureau: false,
    }));
}

// What the key may pick now: bureau fields only with bureau:read; at a past instant only tags
// (profiles are kept as they are now, so the API refuses profile columns with asOf).
export function allowedColumns(
  options: readonly ColumnOption[],
  { canReadBureau, pastInstant }: { canReadBureau: boolean; pastInstant: boolean },
): ColumnOption[] {
  return options.filter(
    (option) => (canReadBureau || !option.bureau) && (!pastInstant || option.source === 'tag'),
  );
}

// The ?columns= value, in the order chosen.
export const columnsParam = (chosen: readonly string[]) =>
  chosen.length > 0 ? chosen.slice(0, MAX_COLUMNS).join(',') : undefined;

// A member's column value as the CSV shows it.
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
