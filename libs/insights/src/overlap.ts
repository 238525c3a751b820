// Overlap of audiences (pure): from the number of customers holding each combination of the audiences
// (a bit mask per customer, bit i for audience i), every pairwise intersection, each size and Jaccard.

export const MAX_OVERLAP_AUDIENCES = 20;

export interface MaskCount {
  mask: number;
  customers: number;
}

export interface Overlap {
  sizes: number[];
  // intersections[i][j]: customers in both i and j (the diagonal is each size).
  intersections: number[][];
  // |i ∩ j| / |i ∪ j|; 1 on the diagonal of a non-empty audience, 0 where both are empty.
  jaccard: number[][];
  // customers in at least one of the audiences
  union: number;
}

export function overlapFromMasks(audiences: number, masks: readonly MaskCount[]): Overlap {
  if (audiences < 1 || audiences > MAX_OVERLAP_AUDIENCES) {
    throw new RangeError(`between 1 and ${MAX_OVERLAP_AUDIENCES} audiences`);
  }
  const intersections = Array.from({ length: audiences }, () => new Array<number>(audiences).fill(0));
  let union = 0;
  for (const { mask, customers } of masks) {
    if (mask === 0) continue;
    union += customers;
    for (let i = 0; i < audiences; i += 1) {
      if ((mask & (1 << i)) === 0) continue;
      for (let j = i; j < audiences; j += 1) {
        if ((mask & (1 << j)) !== 0) intersections[i][j] += customers;
      }
    }
  }
  for (let i = 0; i < audiences; i += 1)
    for (let j = 0; j < i; j += 1) intersections[i][j] = intersections[j][i];
  const sizes = intersections.map((row, i) => row[i]);
  const jaccard = intersections.map((row, i) =>
    row.map((both, j) => {
      const either = sizes[i] + sizes[j] - both;
      return either === 0 ? 0 : both / either;
    }),
  );
  return { sizes, intersections, jaccard, union };
}
