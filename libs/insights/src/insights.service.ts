import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import {
  AudienceSizeRepository,
  IS_SET,
  InsightRepository,
  TagDefinitionRepository,
  type AudienceSelector,
  type CombinationTag,
  type TagCombination,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import { readsOnlyBureau } from '@tagforge/rules';
import {
  AudienceService,
  csvField,
  definitionDependencies,
  streamPages,
  type ExportFormat,
} from '@tagforge/serving';
import {
  MAX_COMBINATIONS,
  checkAdHocRule,
  combinationValues,
  driverOf,
  selectCombinations,
  setRuleOf,
  type SetRule,
  type AdHocRule,
  type TagKindOf,
} from './ad-hoc';
import { audienceLabel, type AudienceText } from './audience-text';
import { binLabels, countsPerBin, distinctEdges, quantileFractions, quantilesOfCounts } from './bins';
import { breakdown, type BreakdownRow, type GroupCount } from './composition';
import { drift, type Drift } from './drift';
import { MAX_OVERLAP_AUDIENCES, overlapFromMasks } from './overlap';
import {
  dayKey,
  nextIntervalStart,
  sizeBuckets,
  sizeSeries,
  type Bucket,
  type SizeDelta,
  type SizeInterval,
  type SizePoint,
} from './size-series';

export const DEFAULT_QUANTILES = 10;
export const MAX_SAMPLE = 100;
export const DEFAULT_SAMPLE = 10;
// Size series in one request (GET /v1/audiences/sizes): the overview asks 8.
export const MAX_SIZE_SERIES = 20;
const EXPORT_PAGE = 10_000;

// Number bins as asked: fixed edges, a number of quantiles, or neither (deciles).
export type BinsRequest = { edges: number[] } | { quantiles: number } | null;

export interface AudienceEcho extends AudienceText {
  label: string;
  kind: string;
  size: number;
}

export interface SizesQuery {
  from?: Date;
  to?: Date;
  interval: SizeInterval;
}

export interface SizesAnswer {
  id: string;
  kind: string;
  value?: string;
  min?: number;
  max?: number;
  interval: SizeInterval;
  from: string;
  to: string;
  // The rollup is written in the same transaction as the history: it never lags.
  lagSeconds: 0;
  points: (SizePoint & { complete: boolean })[];
}

export interface OverlapAnswer {
  asOf?: string;
  audiences: AudienceEcho[];
  intersections: number[][];
  jaccard: number[][];
  union: number;
}

export interface CountAnswer {
  asOf?: string;
  tags: string[];
  size: number;
  population: number;
  share: number;
  // distinct value combinations the rule was evaluated on; null when it was counted as set algebra
  combinations: number | null;
  sample: string[];
}

export interface BreakdownAnswer {
  audience: AudienceEcho;
  by: { id: string; kind: string; edges?: number[] };
  population: number;
  rows: (BreakdownRow & { label: string })[];
}

export interface DistributionSide {
  asOf?: string;
  population: number;
  covered: number;
  coverage: number;
  counts: number[];
  shares: number[];
}

export interface DistributionAnswer {
  id: string;
  kind: string;
  edges?: number[];
  // one per bin or category value, in the order of counts
  labels: string[];
  current: DistributionSide;
  compare?: DistributionSide;
  psi?: Drift;
}

// Sizes over time, overlaps, ad-hoc counts and exports, compositions and distributions: the
// validation and the pure computations of this library over the repositories' exact, set-based reads.
@Injectable()
export class InsightsService {
  constructor(
    private readonly audiences: AudienceService,
    private readonly definitions: TagDefinitionRepository,
    private readonly sizeRollup: AudienceSizeRepository,
    private readonly insights: InsightRepository,
  ) {}

  // A category or number tag computed from bureau data alone, by value or range, is a slice of its
  // distribution: as bureau values, only for keys with bureau:read (a segment or a boolean tag is
  // a count of customers, as its size is).
  async sizes(
    audience: AudienceText,
    query: SizesQuery,
    canReadBureau: boolean,
    now = new Date(),
  ): Promise<SizesAnswer> {
    const { definition, filter } = await this.audiences.membership(audience);
    if (definition.kind === 'category' || definition.kind === 'number') {
      this.refuseBureauValues(definition, await this.definitions.findActive(), canReadBureau, 'size series');
    }
    const { buckets, lastDay } = sizeIntervals(query, now);
    const days = await this.sizeRollup.days(definition.tagId, filter, lastDay);
    return sizesAnswer(definition, echoOf(audience), query.interval, buckets, days, now);
  }

  // The size series of several segments or boolean tags over the same intervals, in the order asked:
  // each equal to sizes() for that id, read from the rollup in one statement for all of them.
  async sizesOfMany(ids: readonly string[], query: SizesQuery, now = new Date()): Promise<SizesAnswer[]> {
    if (ids.length < 1 || ids.length > MAX_SIZE_SERIES) {
      throw new TagforgeException(ErrorCode.BadRequest, `ids: 1 to ${MAX_SIZE_SERIES} of them`);
    }
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length > 0) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `ids lists ${[...new Set(repeated)].join(', ')} twice`,
      );
    }
    const { buckets, lastDay } = sizeIntervals(query, now);
    const active = new Map((await this.definitions.findActive()).map((row) => [row.tagId, row]));
    const unknown = ids.filter((id) => !active.has(id));
    if (unknown.length > 0) {
      throw new TagforgeException(ErrorCode.NotFound, `no active segment or tag ${unknown.join(', ')}`);
    }
    const definitions = ids.map((id) => active.get(id)!);
    // A category or number tag is an audience only with a value or bounds: the single route takes them.
    const filtered = definitions.filter((row) => row.kind !== 'segment' && row.kind !== 'boolean');
    if (filtered.length > 0) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `ids are segments or boolean tags; ${filtered
          .map((row) => `${row.tagId} is a ${row.kind} tag`)
          .join(', ')}: ask /v1/audiences/{id}/sizes with ?value= or ?min=/?max=`,
      );
    }
    const days = await this.sizeRollup.daysOfMany(
      definitions.map((row) => ({ tagId: row.tagId, filter: IS_SET })),
      lastDay,
    );
    return definitions.map((row) => sizesAnswer(row, {}, query.interval, buckets, days.get(row.tagId)!, now));
  }

  async overlap(audiences: readonly AudienceText[], asOf?: Date): Promise<OverlapAnswer> {
    if (audiences.length < 1 || audiences.length > MAX_OVERLAP_AUDIENCES) {
      throw new TagforgeException(ErrorCode.BadRequest, `audiences: 1 to ${MAX_OVERLAP_AUDIENCES} of them`);
    }
    const resolved = await Promise.all(
      audiences.map((audience) => this.audiences.membership(audience, asOf)),
    );
    const selectors: AudienceSelector[] = resolved.map(({ definition, filter }) => ({
      tagId: definition.tagId,
      filter,
    }));
    const overlap = overlapFromMasks(selectors.length, await this.insights.overlapMasks(selectors, asOf));
    return {
      ...(asOf ? { asOf: asOf.toISOString() } : {}),
      audiences: audiences.map((audience, i) => ({
        ...echoOf(audience),
        id: audience.id,
        label: audienceLabel(audience),
        kind: resolved[i].definition.kind,
        size: overlap.sizes[i],
      })),
      intersections: overlap.intersections,
      jaccard: overlap.jaccard,
      union: overlap.union,
    };
  }

  async count(rule: unknown, options: { asOf?: Date; sample: number }): Promise<CountAnswer> {
    const prepared = await this.prepare(rule, options.asOf);
    const set = options.asOf ? null : setPlan(prepared.checked.rule, prepared.kindOf);
    if (set) {
      // Set algebra over boolean tags with a positive tag to start from: counted by SQL alone.
      const [size, population, sample] = await Promise.all([
        this.insights.countSet(set.driver, set.predicate),
        this.insights.population(),
        options.sample === 0
          ? Promise.resolve([])
          : this.insights.membersOfSet(set.driver, set.predicate, null, options.sample),
      ]);
      return {
        tags: prepared.checked.tagIds,
        size,
        population,
        share: population === 0 ? 0 : size / population,
        combinations: null,
        sample,
      };
    }
    const { adHoc, tags, selected, size, combinations, population } = await this.select(
      prepared,
      options.asOf,
    );
    const sample =
      options.sample === 0
        ? []
        : await this.insights.membersWithCombinations(tags, selected, options.asOf, null, options.sample);
    return {
      ...(options.asOf ? { asOf: options.asOf.toISOString() } : {}),
      tags: adHoc.tagIds,
      size,
      population,
      share: population === 0 ? 0 : size / population,
      combinations,
      sample,
    };
  }

  // Streams the members of an ad-hoc audience, in customer id order, page by page with backpressure.
  async exportCount(
    rule: unknown,
    options: { asOf?: Date; format: ExportFormat },
    open: () => Writable,
  ): Promise<void> {
    const prepared = await this.prepare(rule, options.asOf);
    const set = options.asOf ? null : setPlan(prepared.checked.rule, prepared.kindOf);
    const line = (id: string) => `${exportLine(id, options.format)}\n`;
    const header = options.format === 'csv' ? `${csvField('customer_id')}\n` : null;
    if (set) {
      await streamPages<string>(
        open,
        EXPORT_PAGE,
        header,
        (after) => this.insights.membersOfSet(set.driver, set.predicate, after, EXPORT_PAGE),
        line,
        (id) => id,
      );
      return;
    }
    const { tags, selected } = await this.select(prepared, options.asOf);
    await streamPages<string>(
      open,
      EXPORT_PAGE,
      header,
      (after) => this.insights.membersWithCombinations(tags, selected, options.asOf, after, EXPORT_PAGE),
      line,
      (id) => id,
    );
  }

  // Every refusal exportCount could give (a rule that is not a valid ad-hoc audience, tags taking too
  // many combinations of values), given before a download link is handed out for it.
  async checkExport(rule: unknown, asOf: Date | undefined): Promise<void> {
    const prepared = await this.prepare(rule, asOf);
    if (asOf || !setPlan(prepared.checked.rule, prepared.kindOf)) await this.select(prepared, asOf);
  }

  async breakdown(
    audience: AudienceText,
    by: string,
    bins: BinsRequest,
    canReadBureau: boolean,
  ): Promise<BreakdownAnswer> {
    const [{ definition, filter }, active] = await Promise.all([
      this.audiences.membership(audience),
      this.definitions.findActive(),
    ]);
    const byDefinition = active.find((row) => row.tagId === by);
    if (!byDefinition) throw new TagforgeException(ErrorCode.NotFound, `no active tag ${by}`);
    if (byDefinition.kind !== 'category' && byDefinition.kind !== 'number') {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${by} is a ${byDefinition.kind} tag: break down by a category or number tag`,
      );
    }
    this.refuseBureauValues(byDefinition, active, canReadBureau);
    const within: AudienceSelector = { tagId: definition.tagId, filter };
    const [population, audienceSize] = await Promise.all([
      this.insights.population(),
      this.insights.audienceSize(within),
    ]);
    let rows: (BreakdownRow & { label: string })[];
    let edges: number[] | undefined;
    if (byDefinition.kind === 'category') {
      if (bins)
        throw new TagforgeException(
          ErrorCode.BadRequest,
          `${by} is a category tag: bins and quantiles do not apply`,
        );
      const [inAudience, inPopulation] = await Promise.all([
        this.insights.categoryCounts(by, undefined, within),
        this.insights.categoryCountsFromRollup(by),
      ]);
      rows = breakdown(groups(inAudience), audienceSize, groups(inPopulation), population).map((row) => ({
        ...row,
        label: row.key ?? '(no value)',
      }));
    } else {
      edges = await this.edgesFor(by, bins, undefined);
      const labels = binLabels(edges);
      const [inAudience, inPopulation] = await Promise.all([
        this.insights.binCounts(by, edges, undefined, within),
        this.insights.binCountsFromRollup(by, edges),
      ]);
      const toGroups = (counts: { bin: number; count: number }[]): GroupCount[] =>
        countsPerBin(edges!, counts).map((count, bin) => ({ key: labels[bin], count }));
      rows = breakdown(toGroups(inAudience), audienceSize, toGroups(inPopulation), population, labels).map(
        (row) => ({ ...row, label: row.key ?? '(no value)' }),
      );
    }
    return {
      audience: {
        ...echoOf(audience),
        id: audience.id,
        label: audienceLabel(audience),
        kind: definition.kind,
        size: audienceSize,
      },
      by: { id: by, kind: byDefinition.kind, ...(edges ? { edges } : {}) },
      population,
      rows,
    };
  }

  async distribution(
    tagId: string,
    query: { asOf?: Date; compare?: Date; bins: BinsRequest },
    canReadBureau: boolean,
  ): Promise<DistributionAnswer> {
    const active = await this.definitions.findActive();
    const definition = active.find((row) => row.tagId === tagId);
    if (!definition) throw new TagforgeException(ErrorCode.NotFound, `no active tag ${tagId}`);
    this.refuseBureauValues(definition, active, canReadBureau);
    if (definition.kind !== 'number' && query.bins) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `${tagId} is a ${definition.kind} tag: bins and quantiles apply to number tags`,
      );
    }
    if (definition.kind === 'number') {
      // Quantile bins come from the expected (earlier) side when there is one, as PSI is computed.
      let edges = await this.edgesFor(tagId, query.bins, query.compare ?? query.asOf);
      if (edges.length === 0 && query.compare) edges = await this.edgesFor(tagId, query.bins, query.asOf);
      const side = async (asOf: Date | undefined): Promise<DistributionSide> => {
        const [population, counts] = await Promise.all([
          this.insights.population(asOf),
          asOf
            ? this.insights.binCounts(tagId, edges, asOf)
            : this.insights.binCountsFromRollup(tagId, edges),
        ]);
        return sideOf(asOf, population, countsPerBin(edges, counts));
      };
      const current = await side(query.asOf);
      const compare = query.compare ? await side(query.compare) : undefined;
      return {
        id: tagId,
        kind: definition.kind,
        edges,
        labels: binLabels(edges),
        current,
        ...(compare ? { compare, psi: drift(compare.counts, current.counts) } : {}),
      };
    }
    const values = async (asOf: Date | undefined) => {
      const [population, counts] = await Promise.all([
        this.insights.population(asOf),
        asOf ? this.insights.categoryCounts(tagId, asOf) : this.insights.categoryCountsFromRollup(tagId),
      ]);
      return { population, counts: new Map(counts.map((row) => [row.key, row.count])) };
    };
    const current = await values(query.asOf);
    const compare = query.compare ? await values(query.compare) : undefined;
    const labels = [...new Set([...current.counts.keys(), ...(compare?.counts.keys() ?? [])])].sort();
    const toSide = (asOf: Date | undefined, side: { population: number; counts: Map<string, number> }) =>
      sideOf(
        asOf,
        side.population,
        labels.map((label) => side.counts.get(label) ?? 0),
      );
    const currentSide = toSide(query.asOf, current);
    const compareSide = compare ? toSide(query.compare, compare) : undefined;
    return {
      id: tagId,
      kind: definition.kind,
      labels,
      current: currentSide,
      ...(compareSide ? { compare: compareSide, psi: drift(compareSide.counts, currentSide.counts) } : {}),
    };
  }

  // A rule validated like a segment's against the catalog active now (or at asOf).
  private async prepare(
    rule: unknown,
    asOf: Date | undefined,
  ): Promise<{ checked: AdHocRule; kindOf: TagKindOf }> {
    const catalog = asOf ? await this.definitions.activeAt(asOf) : await this.definitions.findActive();
    const kinds = new Map(catalog.map((row) => [row.tagId, row.kind]));
    const kindOf: TagKindOf = (tagId) => kinds.get(tagId);
    const checked = checkAdHocRule(rule, kindOf, new Set(kinds.keys()));
    if ('problems' in checked) {
      throw new TagforgeException(ErrorCode.ValidationFailed, 'the rule is not a valid ad-hoc audience', {
        problems: checked.problems,
      });
    }
    return { checked, kindOf };
  }

  // The value combinations a validated rule selects.
  private async select(
    { checked, kindOf }: { checked: AdHocRule; kindOf: TagKindOf },
    asOf: Date | undefined,
  ): Promise<{
    adHoc: AdHocRule;
    tags: CombinationTag[];
    selected: Pick<TagCombination, 'mask' | 'values'>[];
    size: number;
    combinations: number;
    population: number;
  }> {
    const tags = checked.tagIds.map((tagId) => ({
      tagId,
      boolean: kindOf(tagId) === 'boolean' || kindOf(tagId) === 'segment',
    }));
    const [held, population] = await Promise.all([
      tags.length === 0 ? Promise.resolve([]) : this.insights.combinations(tags, asOf, MAX_COMBINATIONS + 1),
      this.insights.population(asOf),
    ]);
    if (held.length > MAX_COMBINATIONS) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `the tags of this rule take more than ${MAX_COMBINATIONS} combinations of values; bound its number tags in a tag of their own or read fewer tags`,
      );
    }
    const holders = held.reduce((sum, combination) => sum + combination.customers, 0);
    // Customers holding none of the tags are one more combination: every tag absent.
    const all = [
      ...held,
      ...(population > holders ? [{ mask: 0, values: {}, customers: population - holders }] : []),
    ].map((combination) => ({
      key: { mask: combination.mask, values: combination.values },
      values: combinationValues(checked.tagIds, kindOf, combination.mask, combination.values),
      customers: combination.customers,
    }));
    const { selected, size } = selectCombinations(checked, kindOf, all, Date.now());
    return {
      adHoc: checked,
      tags,
      selected: selected.map((combination) => combination.key),
      size,
      combinations: all.length,
      population,
    };
  }

  private async edgesFor(tagId: string, bins: BinsRequest, asOf: Date | undefined): Promise<number[]> {
    if (bins && 'edges' in bins) return bins.edges;
    const parts = bins && 'quantiles' in bins ? bins.quantiles : DEFAULT_QUANTILES;
    const fractions = quantileFractions(parts);
    // Now: from the rollup's per-value counts; at an instant: from the history.
    return distinctEdges(
      asOf
        ? await this.insights.quantiles(tagId, fractions, asOf)
        : quantilesOfCounts(await this.insights.numberCountsFromRollup(tagId), fractions),
    );
  }

  // Distributions of a tag computed from credit-bureau data alone are bureau values (as the sandbox
  // treats them): only for keys with bureau:read.
  private refuseBureauValues(
    definition: TagDefinitionEntity,
    active: readonly TagDefinitionEntity[],
    canReadBureau: boolean,
    what: 'distribution' | 'size series' = 'distribution',
  ): void {
    if (canReadBureau) return;
    const byId = new Map(active.map((row) => [row.tagId, row]));
    if (readsOnlyBureau(definition.tagId, definitionDependencies(byId))) {
      throw new TagforgeException(
        ErrorCode.Forbidden,
        `${definition.tagId} is computed from credit-bureau data alone: its ${what} needs the "bureau:read" scope`,
      );
    }
  }
}

function exportLine(customerId: string, format: ExportFormat): string {
  return format === 'csv' ? csvField(customerId) : JSON.stringify({ customerId });
}

// How a rule over boolean tags and segments with a positive tag to start from is counted by SQL.
function setPlan(rule: unknown, kindOf: TagKindOf): { driver: string; predicate: SetRule } | null {
  const set = setRuleOf(rule, kindOf);
  const driver = set ? driverOf(set) : null;
  return set && driver ? { driver, predicate: set } : null;
}

function echoOf(audience: AudienceText): Omit<AudienceText, 'id'> {
  return {
    ...(audience.value !== undefined ? { value: audience.value } : {}),
    ...(audience.min !== undefined ? { min: audience.min } : {}),
    ...(audience.max !== undefined ? { max: audience.max } : {}),
  };
}

function groups(counts: readonly { key: string; count: number }[]): GroupCount[] {
  return counts.map(({ key, count }) => ({ key, count }));
}

function sideOf(asOf: Date | undefined, population: number, counts: number[]): DistributionSide {
  const covered = counts.reduce((sum, count) => sum + count, 0);
  return {
    ...(asOf ? { asOf: asOf.toISOString() } : {}),
    population,
    covered,
    coverage: population === 0 ? 0 : covered / population,
    counts,
    shares: counts.map((count) => (covered === 0 ? 0 : count / covered)),
  };
}

// The intervals of a size series and the last rollup day they need.
function sizeIntervals(query: SizesQuery, now: Date): { buckets: Bucket[]; lastDay: string } {
  const to = query.to ?? now;
  const from = query.from ?? defaultFrom(to, query.interval);
  if (from.getTime() > to.getTime())
    throw new TagforgeException(ErrorCode.BadRequest, 'from must not be after to');
  let buckets: Bucket[];
  try {
    buckets = sizeBuckets(from, to, query.interval);
  } catch (error) {
    throw new TagforgeException(ErrorCode.BadRequest, (error as Error).message);
  }
  const lastDay = dayKey(new Date(buckets[buckets.length - 1].end.getTime() - 86_400_000));
  return { buckets, lastDay };
}

function sizesAnswer(
  definition: Pick<TagDefinitionEntity, 'tagId' | 'kind'>,
  echo: Omit<AudienceText, 'id'>,
  interval: SizeInterval,
  buckets: readonly Bucket[],
  days: readonly SizeDelta[],
  now: Date,
): SizesAnswer {
  return {
    id: definition.tagId,
    kind: definition.kind,
    ...echo,
    interval,
    from: buckets[0].start.toISOString(),
    to: buckets[buckets.length - 1].end.toISOString(),
    lagSeconds: 0,
    points: sizeSeries(days, buckets).map((point) => ({
      ...point,
      complete: new Date(point.end).getTime() <= now.getTime(),
    })),
  };
}

// The default range: the last 30 days, 12 weeks or 12 months up to `to`.
function defaultFrom(to: Date, interval: SizeInterval): Date {
  switch (interval) {
    case 'day':
      return new Date(to.getTime() - 30 * 86_400_000);
    case 'week':
      return new Date(to.getTime() - 12 * 7 * 86_400_000);
    case 'month': {
      let start = new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), 1));
      start = nextIntervalStart(start, 'month');
      return start;
    }
  }
}
