import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { isTagId } from '@tagforge/catalog';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import {
  ModelStabilityRepository,
  TagDefinitionRepository,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import { binLabel, binOf, type Scorecard, type ScorecardCharacteristic } from '@tagforge/rules';
import { populationStabilityIndex, stabilityStatus, type StabilityStatus } from '@tagforge/scorecard';

// PSI above this means the model needs review (DOMAIN.md); the catalog listing flags such a model.
export const PSI_REVIEW = 0.25;
// Stability reads the whole population: the catalog listing reuses a result this long (the stability
// endpoint always measures afresh).
const CACHE_MS = 60_000;

const psiGauge = new Gauge({
  name: 'tagforge_model_psi',
  help: 'Population stability index of a model tag between its training distribution and the live population, for its score and each characteristic (updated when computed)',
  labelNames: ['tag_id', 'characteristic'] as const,
});

export interface StabilityBin {
  bin: string;
  expected: number;
  actual: number;
}

export interface Stability {
  psi: number;
  status: StabilityStatus;
  bins: StabilityBin[];
}

export interface ModelStability {
  tagId: string;
  version: number;
  computedAt: string;
  customers: number;
  score: Stability & { scored: number };
  characteristics: (Stability & { name: string; var: string })[];
  // Any PSI above 0.25: the model needs review.
  review: boolean;
}

interface TrainingDistributions {
  score: { cuts: number[]; shares: number[] };
  characteristics: { name: string; shares: number[] }[];
}

@Injectable()
export class ModelStabilityService {
  private readonly cache = new Map<string, { at: number; result: ModelStability }>();

  constructor(
    private readonly definitions: TagDefinitionRepository,
    private readonly repository: ModelStabilityRepository,
  ) {}

  async stability(tagId: string): Promise<ModelStability> {
    if (!isTagId(tagId))
      throw new TagforgeException(ErrorCode.InvalidId, 'a tag id is snake_case, 1-64 characters');
    const active = await this.definitions.findActiveVersion(tagId);
    if (!active) throw new TagforgeException(ErrorCode.NotFound, `no active tag ${tagId}`);
    return this.of(active, true);
  }

  /** The catalog listing with `stability: {psi, review}` on each model tag (any PSI above 0.25 flags it). */
  async flagged<T extends Record<string, unknown>>(
    items: T[],
  ): Promise<(T & { stability?: { psi: number; review: boolean } })[]> {
    const models = new Map(
      (await this.definitions.findActive())
        .filter((row) => trainingOf(row) !== undefined)
        .map((row) => [row.tagId, row]),
    );
    const result: (T & { stability?: { psi: number; review: boolean } })[] = [];
    for (const item of items) {
      const row = models.get(String(item.id));
      if (row === undefined) {
        result.push(item);
        continue;
      }
      const stability = await this.of(row);
      result.push({ ...item, stability: { psi: stability.score.psi, review: stability.review } });
    }
    return result;
  }

  private async of(row: TagDefinitionEntity, fresh = false): Promise<ModelStability> {
    const training = trainingOf(row);
    const scorecard = row.meta.scorecard as Scorecard | undefined;
    if (training === undefined || scorecard === undefined) {
      throw new TagforgeException(
        ErrorCode.Conflict,
        `${row.tagId} is not a trained model: its definition has no scorecard with a model block`,
      );
    }
    const key = `${row.tagId}@${row.version}`;
    const cached = this.cache.get(key);
    if (!fresh && cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.result;
    const customers = await this.repository.countCustomers();
    const scoreCounts = new Array<number>(training.score.cuts.length + 1).fill(0);
    for (const { bucket, count } of await this.repository.tagValueBuckets(row.tagId, training.score.cuts)) {
      if (bucket >= 0) scoreCounts[bucket] += count;
    }
    const scoreLabels = groupLabels(training.score.cuts);
    const characteristics: ModelStability['characteristics'] = [];
    for (const characteristic of scorecard.characteristics) {
      const expected = training.characteristics.find((entry) => entry.name === characteristic.name);
      if (expected === undefined) continue;
      const counts = await this.characteristicCounts(characteristic, customers);
      characteristics.push({
        name: characteristic.name,
        var: characteristic.var,
        ...stabilityOf(expected.shares, counts, [...characteristic.bins.map(binLabel), 'missing']),
      });
    }
    const score = {
      ...stabilityOf(training.score.shares, scoreCounts, scoreLabels),
      scored: sum(scoreCounts),
    };
    const result: ModelStability = {
      tagId: row.tagId,
      version: row.version,
      computedAt: new Date().toISOString(),
      customers,
      score,
      characteristics,
      review: [score, ...characteristics].some((entry) => entry.psi > PSI_REVIEW),
    };
    psiGauge.set({ tag_id: row.tagId, characteristic: '(score)' }, score.psi);
    for (const entry of characteristics)
      psiGauge.set({ tag_id: row.tagId, characteristic: entry.name }, entry.psi);
    this.cache.set(key, { at: Date.now(), result });
    return result;
  }

  // Live customers per bin of the characteristic, the missing bin last.
  private async characteristicCounts(
    characteristic: ScorecardCharacteristic,
    customers: number,
  ): Promise<number[]> {
    const counts = new Array<number>(characteristic.bins.length + 1).fill(0);
    const missing = characteristic.bins.length;
    const isRange = characteristic.bins.some((bin) => bin.range !== undefined);
    const tagId = characteristic.var.startsWith('tags.')
      ? characteristic.var.slice('tags.'.length)
      : undefined;
    let counted = 0;
    if (isRange) {
      const cuts = characteristic.bins.slice(0, -1).map((bin) => bin.range![1]!);
      const buckets =
        tagId !== undefined
          ? await this.repository.tagValueBuckets(tagId, cuts)
          : await this.repository.profileValueBuckets(characteristic.var.split('.'), cuts);
      for (const { bucket, count } of buckets) {
        counts[bucket < 0 ? missing : bucket] += count;
        counted += count;
      }
    } else {
      const values =
        tagId !== undefined
          ? await this.repository.tagValueCounts(tagId)
          : await this.repository.profileValueCounts(characteristic.var.split('.'));
      for (const { value, count } of values) {
        const bin = binOf(characteristic, value);
        counts[bin < 0 ? missing : bin] += count;
        counted += count;
      }
    }
    if (tagId !== undefined && counted < customers) {
      // Customers without a row: an unset boolean tag reads as false, any other tag as missing.
      const unset = binOf(characteristic, false);
      const isFlag = (await this.definitions.findActiveVersion(tagId))?.kind;
      const index = (isFlag === 'boolean' || isFlag === 'segment') && unset >= 0 ? unset : missing;
      counts[index] += customers - counted;
    }
    return counts;
  }
}

function trainingOf(row: TagDefinitionEntity): TrainingDistributions | undefined {
  const model = row.meta.model as { stability?: TrainingDistributions } | undefined;
  return model?.stability;
}

function stabilityOf(
  expected: readonly number[],
  actual: readonly number[],
  labels: readonly string[],
): Stability {
  const total = sum(actual);
  const psi = populationStabilityIndex(expected, actual);
  return {
    psi: round(psi),
    status: stabilityStatus(psi),
    bins: labels.map((bin, index) => ({
      bin,
      expected: expected[index],
      actual: total === 0 ? 0 : round(actual[index] / total),
    })),
  };
}

function groupLabels(cuts: readonly number[]): string[] {
  return Array.from({ length: cuts.length + 1 }, (_, index) =>
    binLabel({
      range: [index === 0 ? null : cuts[index - 1], index === cuts.length ? null : cuts[index]],
      points: 0,
    }),
  );
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
