/** The pointer (into the rule) of the first `var` node reading each literal path. */
export function varPointers(rule: unknown): Map<string, string> {
  const pointers = new Map<string, string>();
  walk(rule, '', pointers);
  return pointers;
}

function walk(node: unknown, pointer: string, pointers: Map<string, string>): void {
  if (Array.isArray(node)) {
    node.forEach((child, index) => walk(child, `${pointer}/${index}`, pointers));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key === 'var') {
      const path = Array.isArray(value) ? (value as unknown[])[0] : value;
      if (typeof path === 'string' && !pointers.has(path)) pointers.set(path, at);
    }
    walk(value, at, pointers);
  }
}
