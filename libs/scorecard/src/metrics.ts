// Quality of a score on labelled data. `risk` orders customers: a higher risk means the event (label 1)
// is more likely, so a scorecard whose higher score means fewer events passes its negated score.

export interface Metrics {
  customers: number;
  events: number;
  auc: number;
  ks: number;
  gini: number;
  topDecileLift: number;
}

/** Area under the ROC curve: the chance a random event outranks a random non-event, ties counting half. */
export function auc(risk: readonly number[], labels: readonly number[]): number {
  const order = sortedIndices(risk);
  let events = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && risk[order[end + 1]] === risk[order[start]]) end += 1;
    // Ranks start..end (1-based: start+1..end+1) share their average.
    const averageRank = (start + end + 2) / 2;
    for (let i = start; i <= end; i += 1) {
      if (labels[order[i]] === 1) {
        events += 1;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const nonEvents = order.length - events;
  if (events === 0 || nonEvents === 0) return Number.NaN;
  return (rankSum - (events * (events + 1)) / 2) / (events * nonEvents);
}

/** Kolmogorov-Smirnov: the largest gap between the events' and non-events' cumulative distributions. */
export function kolmogorovSmirnov(risk: readonly number[], labels: readonly number[]): number {
  const order = sortedIndices(risk);
  const events = labels.reduce((sum, label) => sum + label, 0);
  const nonEvents = labels.length - events;
  if (events === 0 || nonEvents === 0) return Number.NaN;
  let seenEvents = 0;
  let seenNonEvents = 0;
  let best = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && risk[order[end + 1]] === risk[order[start]]) end += 1;
    for (let i = start; i <= end; i += 1) {
      if (labels[order[i]] === 1) seenEvents += 1;
      else seenNonEvents += 1;
    }
    best = Math.max(best, Math.abs(seenEvents / events - seenNonEvents / nonEvents));
    start = end + 1;
  }
  return best;
}

/**
 * Event rate of the riskiest tenth over the overall event rate. Customers tied at the cut share the
 * places left in the tenth pro rata, as a random order among them would on average.
 */
export function topDecileLift(risk: readonly number[], labels: readonly number[]): number {
  const order = sortedIndices(risk).reverse();
  const events = labels.reduce((sum, label) => sum + label, 0);
  if (events === 0) return Number.NaN;
  const places = order.length / 10;
  let taken = 0;
  let eventsTaken = 0;
  for (let start = 0; start < order.length && taken < places;) {
    let end = start;
    while (end + 1 < order.length && risk[order[end + 1]] === risk[order[start]]) end += 1;
    const size = end - start + 1;
    let groupEvents = 0;
    for (let i = start; i <= end; i += 1) groupEvents += labels[order[i]];
    const share = Math.min(1, (places - taken) / size);
    taken += share * size;
    eventsTaken += share * groupEvents;
    start = end + 1;
  }
  return eventsTaken / places / (events / order.length);
}

export function metrics(risk: readonly number[], labels: readonly number[]): Metrics {
  const value = auc(risk, labels);
  return {
    customers: labels.length,
    events: labels.reduce((sum, label) => sum + label, 0),
    auc: value,
    ks: kolmogorovSmirnov(risk, labels),
    gini: 2 * value - 1,
    topDecileLift: topDecileLift(risk, labels),
  };
}

/** Metrics rounded for a definition file (4 decimals), so a recomputation compares equal. */
export function roundedMetrics(value: Metrics): Metrics {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    customers: value.customers,
    events: value.events,
    auc: round(value.auc),
    ks: round(value.ks),
    gini: round(value.gini),
    topDecileLift: round(value.topDecileLift),
  };
}

function sortedIndices(values: readonly number[]): number[] {
  return values.map((_, index) => index).sort((a, b) => values[a] - values[b]);
}
