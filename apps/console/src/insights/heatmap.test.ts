import { describe, expect, it } from 'vitest';
import { containment, heatCells, jaccardScaleMax } from './heatmap';

// Three audiences: A (100), B (40, 30 of them in A), C (10, none in A or B).
const overlap = {
  intersections: [
    [100, 30, 0],
    [30, 40, 0],
    [0, 0, 10],
  ],
  jaccard: [
    [1, 30 / 110, 0],
    [30 / 110, 1, 0],
    [0, 0, 1],
  ],
};

describe('the overlap heat-map', () => {
  it('has one cell per pair, row by row, with the Jaccard index and the customers in both', () => {
    const cells = heatCells(overlap);
    expect(cells).toHaveLength(9);
    expect(cells[0]).toEqual([0, 0, 1, 100]);
    // Column 1 of row 0: A ∩ B.
    expect(cells[1]).toEqual([1, 0, 30 / 110, 30]);
    // Row 1, column 0: the same pair, the matrix is symmetric.
    expect(cells[3]).toEqual([0, 1, 30 / 110, 30]);
    expect(cells[8]).toEqual([2, 2, 1, 10]);
  });

  it('refuses a matrix that is not square', () => {
    expect(() => heatCells({ intersections: [[1, 2]], jaccard: [[1]] })).toThrow('row 0');
    expect(() => heatCells({ intersections: [[1]], jaccard: [] })).toThrow('differ in size');
  });

  it('scales colours to the largest pair, not the diagonal', () => {
    expect(jaccardScaleMax(overlap)).toBeCloseTo(30 / 110);
    expect(jaccardScaleMax({ jaccard: [[1]] })).toBe(1);
  });

  it('says which share of one audience is in another', () => {
    expect(containment(overlap, 1, 0)).toBe(0.75);
    expect(containment(overlap, 0, 1)).toBe(0.3);
    expect(containment({ intersections: [[0]] }, 0, 0)).toBeNull();
  });
});
