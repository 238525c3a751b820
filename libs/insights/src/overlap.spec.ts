import fc from 'fast-check';
import { overlapFromMasks } from './overlap';

describe('overlap from masks', () => {
  it('gives every intersection, size, Jaccard and the union', () => {
    const overlap = overlapFromMasks(3, [
      { mask: 0b001, customers: 5 },
      { mask: 0b011, customers: 2 },
      { mask: 0b110, customers: 3 },
      { mask: 0b111, customers: 1 },
    ]);
    expect(overlap.sizes).toEqual([8, 6, 4]);
    expect(overlap.intersections).toEqual([
      [8, 3, 1],
      [3, 6, 4],
      [1, 4, 4],
    ]);
    expect(overlap.jaccard[0][1]).toBeCloseTo(3 / 11, 12);
    expect(overlap.jaccard[2][2]).toBe(1);
    expect(overlap.union).toBe(11);
    expect(overlapFromMasks(2, []).jaccard).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(() => overlapFromMasks(21, [])).toThrow(RangeError);
  });

  it('agrees with counting sets member by member', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 200 }),
        (audiences, customers) => {
          const masks = customers.map((mask) => mask & ((1 << audiences) - 1));
          const grouped = new Map<number, number>();
          for (const mask of masks) grouped.set(mask, (grouped.get(mask) ?? 0) + 1);
          const overlap = overlapFromMasks(
            audiences,
            [...grouped].map(([mask, n]) => ({ mask, customers: n })),
          );
          for (let i = 0; i < audiences; i += 1) {
            for (let j = 0; j < audiences; j += 1) {
              const both = masks.filter((mask) => mask & (1 << i) && mask & (1 << j)).length;
              expect(overlap.intersections[i][j]).toBe(both);
            }
          }
          expect(overlap.union).toBe(masks.filter((mask) => mask !== 0).length);
        },
      ),
    );
  });
});
