import { type PathNode, pointerOf } from './json-pointer';

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

interface Entry {
  path: PathNode;
  value: unknown;
}

// JSON pointer of the first `__proto__`, `constructor` or `prototype` key (document order, at any
// depth, inside arrays too), else null. Iterative, so it is safe on any value JSON.parse can return;
// ingestion runs it on the raw body before anything else touches it.
export function hasForbiddenKeys(value: unknown): string | null {
  const stack: Entry[] = [];
  pushEntries(stack, value, null);
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    // Array indexes are digits, so only object keys can match.
    if (FORBIDDEN_KEYS.has(entry.path.token)) return pointerOf(entry.path);
    pushEntries(stack, entry.value, entry.path);
  }
  return null;
}

function pushEntries(stack: Entry[], value: unknown, parent: PathNode | null): void {
  if (typeof value !== 'object' || value === null) return;
  // Reversed so that popping visits entries in document order.
  for (const [token, child] of Object.entries(value).reverse()) {
    stack.push({ path: { parent, token }, value: child });
  }
}
