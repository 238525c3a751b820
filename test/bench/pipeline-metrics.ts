// Prometheus histograms read from the text exposition format, and quantiles from the difference
// of two snapshots (the observations made between them), interpolated within a bucket as
// Prometheus's histogram_quantile() does.

export interface HistogramSnapshot {
  // cumulative counts by upper bound, ascending; the last bound is Infinity (+Inf)
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export function parseHistogram(exposition: string, name: string): HistogramSnapshot | null {
  const buckets: { le: number; count: number }[] = [];
  let sum = 0;
  let count = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name}_bucket{`)) {
      const match = /le="([^"]+)"\}\s+(\S+)/.exec(line);
      if (!match) continue;
      buckets.push({ le: match[1] === '+Inf' ? Infinity : Number(match[1]), count: Number(match[2]) });
    } else if (line.startsWith(`${name}_sum `)) {
      sum = Number(line.slice(name.length + 5));
    } else if (line.startsWith(`${name}_count `)) {
      count = Number(line.slice(name.length + 7));
    }
  }
  if (buckets.length === 0) return null;
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, sum, count };
}

// Histograms of the same metric from several processes (same buckets) added up; null when none has it.
export function sumHistograms(snapshots: readonly (HistogramSnapshot | null)[]): HistogramSnapshot | null {
  const present = snapshots.filter((snapshot): snapshot is HistogramSnapshot => snapshot !== null);
  if (present.length === 0) return null;
  const counts = new Map<number, number>();
  for (const snapshot of present)
    for (const bucket of snapshot.buckets) counts.set(bucket.le, (counts.get(bucket.le) ?? 0) + bucket.count);
  return {
    buckets: [...counts].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
    sum: present.reduce((total, snapshot) => total + snapshot.sum, 0),
    count: present.reduce((total, snapshot) => total + snapshot.count, 0),
  };
}

export function histogramDelta(
  before: HistogramSnapshot | null,
  after: HistogramSnapshot,
): HistogramSnapshot {
  const earlier = new Map((before?.buckets ?? []).map((bucket) => [bucket.le, bucket.count]));
  return {
    buckets: after.buckets.map((bucket) => ({
      le: bucket.le,
      count: bucket.count - (earlier.get(bucket.le) ?? 0),
    })),
    sum: after.sum - (before?.sum ?? 0),
    count: after.count - (before?.count ?? 0),
  };
}

// The q-quantile in the histogram's unit; `capped` when it falls in the +Inf bucket, where the
// answer is only "above the largest finite bound".
export function histogramQuantile(
  histogram: HistogramSnapshot,
  q: number,
): { value: number; capped: boolean } | null {
  const total = histogram.buckets[histogram.buckets.length - 1].count;
  if (total <= 0) return null;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const { le, count } of histogram.buckets) {
    if (count >= rank) {
      if (le === Infinity) return { value: previousLe, capped: true };
      const inBucket = count - previousCount;
      const fraction = inBucket === 0 ? 1 : (rank - previousCount) / inBucket;
      return { value: previousLe + (le - previousLe) * fraction, capped: false };
    }
    previousLe = le;
    previousCount = count;
  }
  return { value: previousLe, capped: true };
}

// Nearest-rank percentile of raw samples.
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

// Sum and count of one labelled series of a histogram, e.g. labels `{name="run-chunk"}`.
export function histogramSumCount(
  exposition: string,
  name: string,
  labels: string,
): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name}_sum${labels} `)) sum = Number(line.slice(name.length + labels.length + 5));
    else if (line.startsWith(`${name}_count${labels} `))
      count = Number(line.slice(name.length + labels.length + 7));
  }
  return { sum, count };
}

// The value of one exact series, e.g. `tagforge_jobs_total{name="run-chunk",outcome="failed"}`; 0 if absent.
export function seriesValue(exposition: string, series: string): number {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
