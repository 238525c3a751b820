import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { auc, inHoldout } from '@tagforge/scorecard';
import { Random } from '../../../../libs/demo-data/src/random';
import { scoreReportOf } from './score-report.command';
import { trainCommand, type TrainCommandOptions } from './train.command';

// A population drawn from a known logistic model: bureau score (sometimes missing), card utilisation and
// home ownership move the log-odds of default.
const HOMES = ['owner', 'mortgaged', 'renter', 'family'] as const;
const HOME_EFFECT: Record<string, number> = { owner: -0.6, mortgaged: -0.2, renter: 0.5, family: 0.2 };

function population(size: number, seed: number) {
  const random = new Random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  return Array.from({ length: size }, (_, index) => {
    const score = random.chance(0.08) ? undefined : Math.round(650 + 70 * normal());
    const utilization = Math.round(random.uniform(0, 1.2) * 1000) / 1000;
    const home = HOMES[random.int(0, 3)];
    const logit =
      -1.6 +
      (score === undefined ? 0.9 : -0.018 * (score - 650)) +
      1.8 * (utilization - 0.6) +
      HOME_EFFECT[home];
    const probability = 1 / (1 + Math.exp(-logit));
    const profile = {
      ...(score === undefined ? {} : { bureau: { score: Math.min(850, Math.max(300, score)) } }),
      cards: [{ utilization }],
      demographics: { homeOwnership: home, gender: random.chance(0.5) ? 'female' : 'male' },
    };
    return { customerId: `S${index}`, profile, probability, label: random.chance(probability) ? 1 : 0 };
  });
}

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stream.text += chunk.toString();
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

describe('tagctl train', () => {
  let dir: string;
  const people = population(6000, 19);
  const lines = (items: unknown[]) => `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tagctl-train-'));
    writeFileSync(
      join(dir, 'profiles.ndjson'),
      lines(people.map(({ customerId, profile }) => ({ customerId, profile }))),
    );
    writeFileSync(
      join(dir, 'labels.ndjson'),
      lines(people.map(({ customerId, label }) => ({ customerId, label }))),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const options = (extra: Partial<TrainCommandOptions> = {}): TrainCommandOptions => ({
    profiles: join(dir, 'profiles.ndjson'),
    labels: join(dir, 'labels.ndjson'),
    features: 'bureau.score,cards.0.utilization,demographics.homeOwnership',
    out: join(dir, 'synthetic_score.json'),
    id: 'synthetic_score',
    name: 'Synthetic score',
    purpose: 'risk',
    category: 'credit_risk',
    definitions: 'tag-definitions',
    now: '2026-01-01T00:00:00Z',
    holdout: '0.3',
    seed: '7',
    minBinShare: '0.05',
    maxBins: '8',
    minIv: '0.02',
    maxCorrelation: '0.7',
    maxFeatures: '15',
    steps: '300',
    basePoints: '600',
    baseOdds: '19',
    pdo: '50',
    higherScore: 'non-event',
    reasonCount: '3',
    trainedAt: '2026-01-01T00:00:00Z',
    ...extra,
  });

  function run(extra: Partial<TrainCommandOptions> = {}) {
    const stdout = sink();
    const stderr = sink();
    rmSync(join(dir, 'synthetic_score.json'), { force: true });
    const code = trainCommand(options(extra), stdout, stderr);
    return {
      code,
      stdout: stdout.text,
      stderr: stderr.text,
      written: existsSync(join(dir, 'synthetic_score.json')),
    };
  }

  it('recovers the holdout AUC of the model that drew the population, within 0.01', () => {
    const { code, stderr } = run();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const definition = JSON.parse(readFileSync(join(dir, 'synthetic_score.json'), 'utf8')) as {
      scorecard: { characteristics: { var: string }[] };
      model: { holdout: { auc: number; customers: number }; features: { var: string; status: string }[] };
    };
    const holdout = people.filter((person) => inHoldout(person.customerId, 7, 0.3));
    const truth = auc(
      holdout.map((person) => person.probability),
      holdout.map((person) => person.label),
    );
    expect(definition.model.holdout.customers).toBe(holdout.length);
    expect(Math.abs(definition.model.holdout.auc - truth)).toBeLessThanOrEqual(0.01);
    expect(definition.scorecard.characteristics.map((c) => c.var)).toEqual([
      'bureau.score',
      'cards.0.utilization',
      'demographics.homeOwnership',
    ]);
  });

  it('writes a definition whose metrics score-report recomputes through the engine', () => {
    expect(run().code).toBe(0);
    const file = join(dir, 'synthetic_score.json');
    const definition = JSON.parse(readFileSync(file, 'utf8')) as { model: { holdout: unknown } };
    const report = scoreReportOf({
      definition: file,
      profiles: join(dir, 'profiles.ndjson'),
      labels: join(dir, 'labels.ndjson'),
      definitions: 'tag-definitions',
      now: '2026-01-01T00:00:00Z',
      holdout: true,
    });
    expect(report.metrics).toEqual(definition.model.holdout);
    expect(report.matchesModel).toBe(true);
    // The report splits approvals by the protected attribute present in the data.
    expect(report.fairness.attributes.map((attribute) => attribute.attribute)).toEqual([
      'demographics.gender',
    ]);
    expect(report.stability?.score.status).toBe('stable');
  });

  it('refuses a protected attribute as a feature unless allowed, and records the permission', () => {
    const refused = run({ features: 'bureau.score,demographics.gender' });
    expect(refused).toMatchObject({ code: 1, written: false });
    expect(refused.stderr).toContain('feature "demographics.gender" is a protected attribute');
    const allowed = run({ features: 'bureau.score,demographics.gender', allowProtected: true });
    expect(allowed.code).toBe(0);
    const model = (
      JSON.parse(readFileSync(join(dir, 'synthetic_score.json'), 'utf8')) as { model: { options: unknown } }
    ).model.options;
    expect(model).toMatchObject({ allowProtected: true, protectedFeatures: ['demographics.gender'] });
  });

  it('refuses an unknown feature path and writes nothing', () => {
    const result = run({ features: 'bureau.scor' });
    expect(result).toMatchObject({ code: 1, written: false });
    expect(result.stderr).toMatch(/feature "bureau\.scor": .*bureau\.scor/);
  });

  it('refuses labels that are not 0 or 1, and labels of customers without a profile, with counts', () => {
    const bad = join(dir, 'bad-labels.ndjson');
    writeFileSync(
      bad,
      lines([
        { customerId: 'S1', label: 1 },
        { customerId: 'S2', label: 'yes' },
        { customerId: 'S3', label: 2 },
        { customerId: 'NOBODY-1', label: 0 },
        { customerId: 'NOBODY-2', label: 1 },
      ]),
    );
    const result = run({ labels: bad });
    expect(result).toMatchObject({ code: 1, written: false });
    expect(result.stderr).toContain('2 labels are not 0 or 1:');
    expect(result.stderr).toContain('labels line 2: label "yes" for S2');
    expect(result.stderr).toContain('2 labelled customers have no profile (1 do), e.g. NOBODY-1, NOBODY-2');
  });

  it('refuses a class too small to bin and a holdout that leaves a class empty', () => {
    const few = join(dir, 'few-labels.ndjson');
    writeFileSync(
      few,
      lines(people.slice(0, 500).map(({ customerId }, index) => ({ customerId, label: index < 10 ? 1 : 0 }))),
    );
    const small = run({ labels: few });
    expect(small).toMatchObject({ code: 1, written: false });
    expect(small.stderr).toMatch(
      /the training part has \d+ customers with label 1; binning needs at least 20/,
    );

    // 60 events, all of them outside the holdout of seed 7.
    const outside = people.filter((person) => !inHoldout(person.customerId, 7, 0.3)).slice(0, 60);
    const events = new Set(outside.map((person) => person.customerId));
    const skewed = join(dir, 'skewed-labels.ndjson');
    writeFileSync(
      skewed,
      lines(people.map(({ customerId }) => ({ customerId, label: events.has(customerId) ? 1 : 0 }))),
    );
    const empty = run({ labels: skewed });
    expect(empty).toMatchObject({ code: 1, written: false });
    expect(empty.stderr).toContain('has no customer of one class');
  });

  it('refuses bad options', () => {
    expect(run({ holdout: '1.5' })).toMatchObject({
      code: 1,
      written: false,
      stderr: expect.stringContaining('--holdout must be a share'),
    });
  });
});
