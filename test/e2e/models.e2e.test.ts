import { createReadStream } from 'node:fs';
import { Client } from 'pg';
import { readDefinitions, loadJsonFile } from '@tagforge/catalog';
import { mapBankRecord, uciCreditCardProfiles } from '@tagforge/demo-data';
import { countByCuts, populationStabilityIndex } from '@tagforge/scorecard';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// The shipped scorecards inside the service: evaluated like any tag, explained with reason codes in
// English and Chinese, and watched for drift (PSI) against the distributions kept in their model blocks.
const NOW = Date.parse('2026-01-01T00:00:00Z');
const riskModel = loadJsonFile('tag-definitions/tags/default_risk_score.json') as {
  model: { stability: { score: { cuts: number[]; shares: number[] } } };
  scorecard: { characteristics: { name: string }[] };
};

async function uciProfiles(count: number) {
  const records: { customerId: string; profile: Record<string, unknown> }[] = [];
  for await (const record of uciCreditCardProfiles(
    createReadStream('test/fixtures/datasets/UCI_Credit_Card.csv'),
    NOW,
  )) {
    records.push(record);
    if (records.length === count) break;
  }
  return records;
}

describe('model tags', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;

  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
  const load = async (records: { customerId: string; profile: unknown }[]) => {
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(records.map((record) => JSON.stringify(record)).join('\n'))
      .expect(200);
    await drained();
  };

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    await load(await uciProfiles(400));
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('scores customers with the compiled scorecard and explains the points and reasons in both languages', async () => {
    const { rows } = await db.query(
      `SELECT value FROM customer_tag WHERE tag_id = 'default_risk_score' AND customer_id = 'UCI-1'`,
    );
    expect(typeof rows[0].value).toBe('number');
    const explanation = await api.http
      .get('/v1/customers/UCI-1/tags/default_risk_score/explain')
      .set(auth())
      .expect(200);
    const { scorecard, value, agrees } = explanation.body;
    expect(agrees).toBe(true);
    expect(scorecard.score).toBe(value);
    expect(
      scorecard.characteristics.reduce(
        (sum: number, c: { points: number }) => sum + c.points,
        scorecard.baseScore,
      ),
    ).toBe(value);
    // UCI-1 is two months late: the overdue characteristics cost it the most points.
    expect(scorecard.reasons.length).toBeGreaterThan(0);
    expect(scorecard.reasons[0]).toMatchObject({
      characteristic: 'Days past due now',
      text: { en: 'Card payment is overdue', zh: '信用卡当前逾期' },
    });
    // In words for the call-centre agent: the score, then the same reasons in each language.
    const inWords = async (lang: 'en' | 'zh') =>
      (
        await api.http
          .get(`/v1/customers/UCI-1/tags/default_risk_score/explain?format=text&lang=${lang}`)
          .set(auth())
          .expect(200)
      ).text.split('\n')[0];
    const printed = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
    const score = printed(value as number);
    const english = await inWords('en');
    const chinese = await inWords('zh');
    expect(english).toMatch(
      new RegExp(`^Default risk score \\(card scorecard\\): ${score} — main reasons: `),
    );
    expect(chinese).toMatch(new RegExp(`^违约风险评分卡：${score} —— 主要原因：`));
    for (const reason of scorecard.reasons as {
      text: { en: string; zh: string };
      pointsBelowMax: number;
    }[]) {
      expect(english).toContain(`${reason.text.en} (−${printed(reason.pointsBelowMax)} points)`);
      expect(chinese).toContain(`${reason.text.zh}（−${printed(reason.pointsBelowMax)} 分）`);
    }
  });

  it('measures the PSI of the score and of each characteristic against the training distribution', async () => {
    const response = await api.http.get('/v1/tags/default_risk_score/stability').set(auth()).expect(200);
    const { rows } = await db.query(`SELECT value FROM customer_tag WHERE tag_id = 'default_risk_score'`);
    const { cuts, shares } = riskModel.model.stability.score;
    const expected = populationStabilityIndex(
      shares,
      countByCuts(
        rows.map((row: { value: number }) => row.value),
        cuts,
      ),
    );
    expect(response.body).toMatchObject({ tagId: 'default_risk_score', customers: 400 });
    expect(response.body.score.psi).toBeCloseTo(expected, 4);
    expect(response.body.score.scored).toBe(400);
    expect(response.body.characteristics.map((c: { name: string }) => c.name)).toEqual(
      riskModel.scorecard.characteristics.map((c) => c.name),
    );
    expect(response.body.review).toBe(false);
    const listing = await api.http.get('/v1/tags').set(auth()).expect(200);
    const entry = listing.body.items.find((item: { id: string }) => item.id === 'default_risk_score');
    expect(entry.stability).toEqual({ psi: response.body.score.psi, review: false });
    expect(
      listing.body.items.find((item: { id: string }) => item.id === 'low_risk').stability,
    ).toBeUndefined();
    const metrics = await api.http.get('/metrics').expect(200);
    expect(metrics.text).toContain(
      'tagforge_model_psi{tag_id="default_risk_score",characteristic="(score)"}',
    );
  });

  it('flags a model for review when the population drifts past PSI 0.25', async () => {
    // 400 more card holders, every one of them 90 days overdue.
    const overdue = (await uciProfiles(400)).map(({ customerId, profile }) => {
      const card = (profile.cards as Record<string, unknown>[])[0];
      return {
        customerId: `${customerId}-LATE`,
        profile: {
          ...profile,
          cards: [{ ...card, currentDpd: 90, maxDpd6m: 90, dpdHistory6m: [90, 60, 30, 0, 0, 0] }],
        },
      };
    });
    await load(overdue);
    const response = await api.http.get('/v1/tags/default_risk_score/stability').set(auth()).expect(200);
    expect(response.body.review).toBe(true);
    const current = response.body.characteristics.find(
      (c: { name: string }) => c.name === 'Days past due now',
    );
    expect(current.psi).toBeGreaterThan(0.25);
    expect(current.status).toBe('review');
    const listing = await api.http.get('/v1/tags').set(auth()).expect(200);
    expect(
      listing.body.items.find((item: { id: string }) => item.id === 'default_risk_score').stability.review,
    ).toBe(true);
  });

  it('counts a tag read by a scorecard from the stored tags (deposit propensity reads tags.has_mortgage)', async () => {
    const bank = mapBankRecord(
      {
        line: 2,
        index: 1,
        fields: Object.fromEntries(
          'age;job;marital;education;default;balance;housing;loan;contact;day;month;duration;campaign;pdays;previous;poutcome;y'
            .split(';')
            .map((k, i) => [
              k,
              '58;management;married;tertiary;no;2143;yes;no;unknown;5;may;261;1;-1;0;unknown;no'.split(';')[
                i
              ],
            ]),
        ),
      },
      NOW,
    );
    await load([bank]);
    const response = await api.http.get('/v1/tags/deposit_propensity/stability').set(auth()).expect(200);
    const mortgage = response.body.characteristics.find(
      (c: { var: string }) => c.var === 'tags.has_mortgage',
    );
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = 'has_mortgage'`,
    );
    const total = response.body.customers as number;
    const trueBin = mortgage.bins.findIndex((bin: { bin: string }) => bin.bin === 'in [true]');
    expect(mortgage.bins[trueBin].actual).toBeCloseTo(rows[0].n / total, 4);
  });

  it('answers 409 for a tag that is not a trained model, 404 for an unknown one, 400 for a bad id', async () => {
    const definitions = readDefinitions([
      { file: 'low_risk.json', content: loadJsonFile('tag-definitions/tags/low_risk.json') },
    ]);
    expect(definitions.definitions[0].definition.scorecard).toBeUndefined();
    const conflict = await api.http.get('/v1/tags/low_risk/stability').set(auth()).expect(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    await api.http.get('/v1/tags/no_such_tag/stability').set(auth()).expect(404);
    await api.http.get('/v1/tags/Bad-Id/stability').set(auth()).expect(400);
  });
});
