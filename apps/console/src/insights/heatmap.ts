import type { Overlap } from '../api/types';

// One cell of the overlap heat-map: column x, row y, the Jaccard index (the colour) and the
// customers in both audiences (the label). ECharts reads [x, y, value, ...extra] per cell.
export type HeatCell = [x: number, y: number, jaccard: number, both: number];

// Every pair of audiences, the diagonal included (Jaccard 1, the audience's size), row by row.
export function heatCells(overlap: Pick<Overlap, 'intersections' | 'jaccard'>): HeatCell[] {
  const n = overlap.intersections.length;
  if (overlap.jaccard.length !== n) throw new Error('intersections and jaccard differ in size');
  const cells: HeatCell[] = [];
  for (let y = 0; y < n; y++) {
    if (overlap.intersections[y].length !== n || overlap.jaccard[y].length !== n) {
      throw new Error(`row ${y} of the overlap is not ${n} long`);
    }
    for (let x = 0; x < n; x++) cells.push([x, y, overlap.jaccard[y][x], overlap.intersections[y][x]]);
  }
  return cells;
}

// The share of audience i (row) that is also in audience j (column): what "how many of my
// high-intent customers are low-risk" asks, which Jaccard (symmetric) does not say.
export function containment(overlap: Pick<Overlap, 'intersections'>, i: number, j: number): number | null {
  const size = overlap.intersections[i][i];
  return size === 0 ? null : overlap.intersections[i][j] / size;
}

// The largest off-diagonal Jaccard, so the colour scale spreads over what the pairs actually reach
// (the diagonal is always 1 and would wash every other cell out).
export function jaccardScaleMax(overlap: Pick<Overlap, 'jaccard'>): number {
  let max = 0;
  overlap.jaccard.forEach((row, y) =>
    row.forEach((value, x) => {
      if (x !== y && value > max) max = value;
    }),
  );
  return max > 0 ? max : 1;
}
