// Composition of an audience by a tag's values (pure): counts inside the audience and in the whole
// population, shares and the target group index (TGI = share in audience ÷ share in population × 100).

export interface GroupCount {
  // a category value, a bin label, or null for customers without a value
  key: string | null;
  count: number;
}

export interface BreakdownRow {
  key: string | null;
  audience: number;
  audienceShare: number;
  population: number;
  populationShare: number;
  // null where the value does not occur in the population or the audience is empty
  tgi: number | null;
}

// Rows in the order of `order` (bins keep theirs), then any other key by population count; customers
// without a value are a row of their own (key null, last) when there are any.
export function breakdown(
  audience: readonly GroupCount[],
  audienceTotal: number,
  population: readonly GroupCount[],
  populationTotal: number,
  order?: readonly (string | null)[],
): BreakdownRow[] {
  const inAudience = withMissing(audience, audienceTotal);
  const inPopulation = withMissing(population, populationTotal);
  const keys = new Set<string | null>(order ?? []);
  // Customers without a value come last, whatever their number.
  const byPopulation = [...inPopulation.entries()].sort(
    (a, b) => Number(a[0] === null) - Number(b[0] === null) || b[1] - a[1] || compareKeys(a[0], b[0]),
  );
  for (const [key] of byPopulation) keys.add(key);
  for (const key of inAudience.keys()) keys.add(key);
  const rows: BreakdownRow[] = [];
  for (const key of keys) {
    const a = inAudience.get(key) ?? 0;
    const p = inPopulation.get(key) ?? 0;
    if (key === null && a === 0 && p === 0) continue;
    const audienceShare = audienceTotal === 0 ? 0 : a / audienceTotal;
    const populationShare = populationTotal === 0 ? 0 : p / populationTotal;
    rows.push({
      key,
      audience: a,
      audienceShare,
      population: p,
      populationShare,
      tgi: populationShare === 0 || audienceTotal === 0 ? null : (audienceShare / populationShare) * 100,
    });
  }
  return rows;
}

function withMissing(groups: readonly GroupCount[], total: number): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  let valued = 0;
  for (const { key, count } of groups) {
    counts.set(key, (counts.get(key) ?? 0) + count);
    if (key !== null) valued += count;
  }
  const missing = total - valued;
  if (missing > 0 && !counts.has(null)) counts.set(null, missing);
  return counts;
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
