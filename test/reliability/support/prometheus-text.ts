export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type MetricSamples = MetricSample[];

// Just enough of the Prometheus text format for prom-client's output: name{labels} value.
export function parseMetrics(text: string): MetricSamples {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

export function sumOf(
  samples: MetricSamples,
  name: string,
  where: (labels: Record<string, string>) => boolean = () => true,
): number {
  return samples
    .filter((sample) => sample.name === name && where(sample.labels))
    .reduce((sum, sample) => sum + sample.value, 0);
}

export interface Histogram {
  // cumulative counts by upper bound, ascending, +Inf last
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

// The histogram of several processes added together (buckets are the same in each).
export function histogramOf(all: readonly MetricSamples[], name: string): Histogram {
  const byBound = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const samples of all) {
    for (const sample of samples) {
      if (sample.name === `${name}_bucket`) {
        const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
        byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
      } else if (sample.name === `${name}_count`) count += sample.value;
      else if (sample.name === `${name}_sum`) sum += sample.value;
    }
  }
  const buckets = [...byBound]
    .map(([le, bucketCount]) => ({ le, count: bucketCount }))
    .sort((a, b) => a.le - b.le);
  return { buckets, count, sum };
}

// The difference of two snapshots of one histogram: what was observed in between.
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const earlier = new Map(before.buckets.map((bucket) => [bucket.le, bucket.count]));
  return {
    buckets: after.buckets.map((bucket) => ({
      le: bucket.le,
      count: bucket.count - (earlier.get(bucket.le) ?? 0),
    })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

// As Prometheus's histogram_quantile: linear within the bucket holding the rank. Above the last
// finite bound the answer is that bound (reported as ">").
export function quantile(histogram: Histogram, q: number): { value: number; above: boolean } | null {
  if (histogram.count <= 0) return null;
  const rank = q * histogram.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of histogram.buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return { value: lowerBound, above: true };
      const inBucket = bucket.count - lowerCount;
      const fraction = inBucket === 0 ? 0 : (rank - lowerCount) / inBucket;
      return { value: lowerBound + (bucket.le - lowerBound) * fraction, above: false };
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return { value: lowerBound, above: true };
}
