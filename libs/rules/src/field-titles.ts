// Titles of profile fields for people: `title` (English) and `x-title-zh` of the schema node a path
// reaches, following properties, array items ("loans.0.type" is the type of a loan) and local $refs.
export interface FieldTitle {
  en?: string;
  zh?: string;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deref(root: unknown, node: unknown, depth = 0): Node | undefined {
  if (!isNode(node)) return undefined;
  const reference = node.$ref;
  if (typeof reference !== 'string' || !reference.startsWith('#/') || depth > 16) return node;
  let target: unknown = root;
  for (const raw of reference.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isNode(target) ? target[key] : undefined;
  }
  return deref(root, target, depth + 1) ?? node;
}

function titleOf(root: unknown, node: unknown): FieldTitle {
  const own = isNode(node) ? node : {};
  const target = deref(root, node) ?? {};
  const en = own.title ?? target.title;
  const zh = own['x-title-zh'] ?? target['x-title-zh'];
  return {
    ...(typeof en === 'string' ? { en } : {}),
    ...(typeof zh === 'string' ? { zh } : {}),
  };
}

export function fieldTitle(schema: unknown, path: readonly string[]): FieldTitle {
  let node: unknown = schema;
  for (const segment of path) {
    const current = deref(schema, node);
    if (!current) return {};
    const properties = current.properties;
    if (isNode(properties) && Object.prototype.hasOwnProperty.call(properties, segment)) {
      node = properties[segment];
    } else if (/^\d+$/.test(segment) && current.items !== undefined) {
      node = current.items;
    } else if (isNode(current.additionalProperties)) {
      node = current.additionalProperties;
    } else {
      return {};
    }
  }
  return path.length === 0 ? {} : titleOf(schema, node);
}
