// Bins of a number tag (pure): fixed edges or quantiles, and their labels. With edges e0 < e1 < ... <
// e(k-1), bin 0 holds values below e0, bin i values in [e(i-1), e(i)), bin k values at or above e(k-1)
// — exactly SQL's width_bucket(value, edges).

export const MAX_BIN_EDGES = 50;
export const MAX_QUANTILES = 50;

// Parses "580,650,700": 1 to 50 finite numbers, strictly increasing; null with the problem otherwise.
export function parseEdges(text: string): { edges: number[] } | { problem: string } {
  const parts = text.split(',');
  if (parts.length > MAX_BIN_EDGES) return { problem: `at most ${MAX_BIN_EDGES} bin edges` };
  const edges: number[] = [];
  for (const part of parts) {
    if (!/^-?\d{1,15}(\.\d{1,15})?$/.test(part)) {
      return { problem: 'bins are decimal numbers separated by commas, e.g. 580,650,700' };
    }
    const edge = Number(part);
    if (edges.length > 0 && edge <= edges[edges.length - 1]) {
      return { problem: 'bin edges must be strictly increasing' };
    }
    edges.push(edge);
  }
  return { edges };
}

// The fractions whose quantiles split a distribution into `parts` groups: 1/parts ... (parts-1)/parts.
export function quantileFractions(parts: number): number[] {
  return Array.from({ length: parts - 1 }, (_, i) => (i + 1) / parts);
}

// Quantile values as edges: sorted, without repeats (a heavy value makes groups merge).
export function distinctEdges(values: readonly number[]): number[] {
  return [...new Set(values.filter((value) => Number.isFinite(value)))].sort((a, b) => a - b);
}

export function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all'];
  const labels = [`< ${edges[0]}`];
  for (let i = 1; i < edges.length; i += 1) labels.push(`[${edges[i - 1]}, ${edges[i]})`);
  labels.push(`>= ${edges[edges.length - 1]}`);
  return labels;
}

// Counts per bin index (width_bucket's 0..k) into one count per label, empty bins included.
export function countsPerBin(
  edges: readonly number[],
  counts: readonly { bin: number; count: number }[],
): number[] {
  const result = new Array<number>(edges.length + 1).fill(0);
  for (const { bin, count } of counts) {
    if (bin < 0 || bin > edges.length) throw new RangeError(`no bin ${bin}`);
    result[bin] += count;
  }
  return result;
}

// percentile_disc over counted values: for each fraction, the first value (ascending) at which the
// cumulative share reaches it.
export function quantilesOfCounts(
  counts: readonly { value: number; count: number }[],
  fractions: readonly number[],
): number[] {
  const sorted = counts.filter((entry) => entry.count > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return [];
  return fractions.map((fraction) => {
    let cumulative = 0;
    for (const entry of sorted) {
      cumulative += entry.count;
      if (cumulative >= fraction * total) return entry.value;
    }
    return sorted[sorted.length - 1].value;
  });
}
