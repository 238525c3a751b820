// A node of the path walked by the iterative traversals; parents are shared, so a pointer is only
// materialised when something is reported.
export interface PathNode {
  parent: PathNode | null;
  token: string;
}

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(node: PathNode | null): string {
  const tokens: string[] = [];
  for (let current = node; current !== null; current = current.parent) tokens.push(current.token);
  return tokens
    .reverse()
    .map((token) => `/${escapePointerToken(token)}`)
    .join('');
}
