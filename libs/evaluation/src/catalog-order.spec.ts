import { CatalogCycleError, EvaluableDefinition, topologicalOrder } from '@tagforge/evaluation';

const tag = (id: string, ...reads: string[]): EvaluableDefinition => ({
  id,
  kind: 'boolean',
  rule: { and: [true, ...reads.map((read) => ({ var: `tags.${read}` }))] },
});

describe('topologicalOrder', () => {
  it('puts every tag after the tags it reads, deterministically', () => {
    const defs = [tag('segment', 'intent', 'risk'), tag('intent', 'viewed'), tag('risk'), tag('viewed')];
    expect(topologicalOrder(defs)).toEqual(['viewed', 'intent', 'risk', 'segment']);
    expect(topologicalOrder([...defs].reverse())).toEqual(['viewed', 'risk', 'intent', 'segment']);
  });

  it('names the cycle', () => {
    const cycle = (): string[] =>
      topologicalOrder([tag('x'), tag('a', 'b'), tag('b', 'c'), tag('c', 'a', 'x')]);
    expect(cycle).toThrow(CatalogCycleError);
    expect(cycle).toThrow('tag definitions form a cycle: a -> b -> c -> a');
    try {
      cycle();
    } catch (error) {
      expect((error as CatalogCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
    }
    expect(() => topologicalOrder([tag('self', 'self')])).toThrow('self -> self');
  });

  it('handles long chains without recursion', () => {
    const defs = Array.from({ length: 20_000 }, (_, i) =>
      i === 0 ? tag('t0') : tag(`t${i}`, `t${i - 1}`),
    ).reverse();
    const order = topologicalOrder(defs);
    expect(order[0]).toBe('t0');
    expect(order[19_999]).toBe('t19999');
  });
});
