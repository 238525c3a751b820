import { ruleDependencies } from '@tagforge/rules';

export type TagKind = 'boolean' | 'category' | 'number' | 'segment';

export type TagValue = true | string | number;

export interface EvaluableDefinition {
  id: string;
  kind: TagKind;
  rule: unknown;
}

export class CatalogCycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`tag definitions form a cycle: ${cycle.join(' -> ')}`);
    this.name = 'CatalogCycleError';
  }
}

/** Tag ids each definition reads, restricted to the ids defined (in the order they are read). */
export function tagGraph(defs: readonly EvaluableDefinition[]): Map<string, string[]> {
  const ids = new Set(defs.map((def) => def.id));
  const graph = new Map<string, string[]>();
  for (const def of defs) {
    graph.set(
      def.id,
      ruleDependencies(def.rule).tags.filter((tag) => ids.has(tag)),
    );
  }
  return graph;
}

/**
 * Definition ids with every tag after the tags it reads (depth-first, in definition order, so the
 * result is deterministic). Throws CatalogCycleError naming the cycle, e.g. `a -> b -> a`.
 */
export function topologicalOrder(defs: readonly EvaluableDefinition[], graph = tagGraph(defs)): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const def of defs) {
    if (state.has(def.id)) continue;
    // An explicit stack: a long chain of tags must not overflow the call stack.
    const path: string[] = [def.id];
    const next: number[] = [0];
    state.set(def.id, 'visiting');
    while (path.length > 0) {
      const id = path[path.length - 1];
      const deps = graph.get(id) ?? [];
      const index = next[next.length - 1];
      if (index === deps.length) {
        state.set(id, 'done');
        order.push(id);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = index + 1;
      const dep = deps[index];
      const seen = state.get(dep);
      if (seen === 'visiting') throw new CatalogCycleError([...path.slice(path.indexOf(dep)), dep]);
      if (seen === 'done') continue;
      state.set(dep, 'visiting');
      path.push(dep);
      next.push(0);
    }
  }
  return order;
}
