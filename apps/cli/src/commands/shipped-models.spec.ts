import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bankMarketingLabels,
  bankMarketingProfiles,
  uciCreditCardLabels,
  uciCreditCardProfiles,
} from '@tagforge/demo-data';
import { parseNow } from '@tagforge/rules';
import { scoreReportOf } from './score-report.command';

// The shipped models' claims, recomputed in CI from the public data: the profiles the loaders map today
// are the ones trained on (same fingerprint), and the engine's scores of the holdout give exactly the
// metrics in the model block, which meet the goals.
const MODELS = [
  {
    id: 'default_risk_score',
    csv: 'test/fixtures/datasets/UCI_Credit_Card.csv',
    profiles: uciCreditCardProfiles,
    labels: uciCreditCardLabels,
    goals: { auc: 0.77, topDecileLift: 3.1 },
  },
  {
    id: 'deposit_propensity',
    csv: 'test/fixtures/datasets/bank-full.csv',
    profiles: bankMarketingProfiles,
    labels: bankMarketingLabels,
    goals: { auc: 0.78, topDecileLift: 4.1 },
  },
] as const;

async function ndjson(records: AsyncIterable<unknown>): Promise<string> {
  let text = '';
  for await (const record of records) text += `${JSON.stringify(record)}\n`;
  return text;
}

describe('shipped models', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shipped-models-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(MODELS)('$id: metrics recomputed from the data equal its model block', async (model) => {
    const file = `tag-definitions/tags/${model.id}.json`;
    const definition = JSON.parse(readFileSync(file, 'utf8')) as {
      model: {
        data: { now: string; profiles: { sha256: string }; labels: { sha256: string } };
        holdout: { auc: number; topDecileLift: number };
      };
    };
    const now = parseNow(definition.model.data.now);
    const profiles = await ndjson(model.profiles(createReadStream(model.csv), now));
    const labels = await ndjson(model.labels(createReadStream(model.csv)));
    expect(createHash('sha256').update(profiles).digest('hex')).toBe(definition.model.data.profiles.sha256);
    expect(createHash('sha256').update(labels).digest('hex')).toBe(definition.model.data.labels.sha256);
    writeFileSync(join(dir, `${model.id}.profiles.ndjson`), profiles);
    writeFileSync(join(dir, `${model.id}.labels.ndjson`), labels);

    const report = scoreReportOf({
      definition: file,
      profiles: join(dir, `${model.id}.profiles.ndjson`),
      labels: join(dir, `${model.id}.labels.ndjson`),
      definitions: 'tag-definitions',
      now: definition.model.data.now,
      holdout: true,
    });
    expect(report.metrics).toEqual(definition.model.holdout);
    expect(report.metrics.auc).toBeGreaterThanOrEqual(model.goals.auc);
    expect(report.metrics.topDecileLift).toBeGreaterThanOrEqual(model.goals.topDecileLift);
    expect(report.unscored).toBe(0);
  });
});
