import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { ProfileIngestionService } from '@tagforge/ingestion';
import { CustomerEvaluationService, DefinitionService, RunService } from '@tagforge/pipeline';
import { auth, startApi, type ApiHarness } from '../support/api-harness';
import { Interleaving } from '../support/interleaving';

const highSpender = JSON.parse(readFileSync('tag-definitions/tags/high_spender.json', 'utf8')) as Record<
  string,
  unknown
>;
const spendAtLeast = (amount: number) => ({
  ...highSpender,
  examples: undefined,
  rule: {
    and: [{ '!!': { var: 'transactions.spend30d' } }, { '>=': [{ var: 'transactions.spend30d' }, amount] }],
  },
});
const actor = { keyId: null, name: 'interleavings' };
const wholeRange = { chunk: 0, afterCustomerId: null, lastCustomerId: '~', plannedAt: 1 };

// Each test holds one side of a race still (a row lock, or a trigger parked on an advisory lock), runs
// the other side until it blocks, lets go, and checks the outcome. See docs/reliability.md.
describe('concurrent writers', () => {
  let api: ApiHarness;
  let db: Client;
  let race: Interleaving;
  let evaluation: CustomerEvaluationService;
  let runs: RunService;
  let definitions: DefinitionService;

  const put = (customerId: string, profile: object) =>
    api.http.put(`/v1/customers/${customerId}/profile`).set(auth()).send(profile).expect(200);
  const tagRow = async (customerId: string, tagId: string) =>
    (
      await db.query(`SELECT value, tag_version FROM customer_tag WHERE customer_id = $1 AND tag_id = $2`, [
        customerId,
        tagId,
      ])
    ).rows[0] as { value: unknown; tag_version: number } | undefined;
  const activateNew = async (definition: unknown) => {
    const draft = await definitions.createDraft(definition, actor);
    return definitions.activate(draft.tagId, draft.version, actor);
  };

  beforeAll(async () => {
    api = await startApi();
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    race = await Interleaving.connect(api.databaseUrl);
    evaluation = api.app.get(CustomerEvaluationService);
    runs = api.app.get(RunService);
    definitions = api.app.get(DefinitionService);
  });
  afterAll(async () => {
    await race.close();
    await db.end();
    await api.close();
  });

  it('an evaluation that waited behind an activation writes the new version, not the one it first saw', async () => {
    await put('STALE-EVAL', { transactions: { spend30d: 12000 } });
    await race.hold(`SELECT 1 FROM customer_profile WHERE customer_id = 'STALE-EVAL' FOR UPDATE`);
    const evaluated = evaluation.evaluate('STALE-EVAL');
    await race.waitForBlocked();
    // v2 lowers the bar to 5,000 and commits while the evaluation waits for the row.
    const activation = await activateNew(spendAtLeast(5000));
    await race.commit();
    await evaluated;
    expect(await tagRow('STALE-EVAL', 'high_spender')).toEqual({
      value: true,
      tag_version: activation.version,
    });
  });

  it('a run chunk that read the catalog before an activation evaluates the activated version', async () => {
    await put('STALE-CHUNK', { transactions: { spend30d: 3000 } });
    await evaluation.evaluate('STALE-CHUNK');
    expect(await tagRow('STALE-CHUNK', 'high_spender')).toBeUndefined();
    const run = await runs.create('activation', { tags: ['high_spender'] }, 'test');
    await race.hold(`SELECT 1 FROM customer_profile WHERE customer_id = 'STALE-CHUNK' FOR UPDATE`);
    const chunk = runs.runChunk({ runId: run.id, ...wholeRange });
    await race.waitForBlocked();
    const activation = await activateNew(spendAtLeast(1000));
    await race.commit();
    await chunk;
    expect(await tagRow('STALE-CHUNK', 'high_spender')).toEqual({
      value: true,
      tag_version: activation.version,
    });
  });

  it('erasure during an evaluation that has written tags leaves no tag or history row behind', async () => {
    await put('ERASE-EVAL', { transactions: { spend30d: 30000 }, marketing: { optOut: true } });
    await race.pauseBeforeInsertInto('tag_history');
    const evaluated = evaluation.evaluate('ERASE-EVAL');
    await race.waitForBlocked();
    const erased = api.app.get(ProfileIngestionService).erase('ERASE-EVAL', actor);
    await race.waitForBlocked(2);
    await race.release();
    await Promise.all([evaluated, erased]);
    await expectErased('ERASE-EVAL');
  });

  it('erasure during a run chunk that has written tags leaves no tag or history row behind', async () => {
    await put('ERASE-CHUNK', { transactions: { spend30d: 30000 }, marketing: { optOut: true } });
    const run = await runs.createRecompute('test');
    await race.pauseBeforeInsertInto('tag_history');
    const chunk = runs.runChunk({ runId: run.id, ...wholeRange });
    await race.waitForBlocked();
    const erased = api.app.get(ProfileIngestionService).erase('ERASE-CHUNK', actor);
    await race.waitForBlocked(2);
    await race.release();
    await Promise.all([chunk, erased]);
    await expectErased('ERASE-CHUNK');
  });

  it('a retirement and an evaluation of the same customer run concurrently without a deadlock', async () => {
    await activateNew({
      id: 'lock_probe',
      name: 'Lock probe',
      kind: 'category',
      purpose: 'service',
      category: 'value',
      rule: { if: [{ '>': [{ var: 'deposits.balance' }, 100] }, 'high', 'low'] },
    });
    await put('RETIRE-EVAL', { deposits: { balance: 500 } });
    await evaluation.evaluate('RETIRE-EVAL');
    expect((await tagRow('RETIRE-EVAL', 'lock_probe'))?.value).toBe('high');
    await api.http
      .patch('/v1/customers/RETIRE-EVAL/profile')
      .set(auth())
      .send({ deposits: { balance: 50 } })
      .expect(200);
    // The evaluation locks the profile and stops in the statement that writes its tags (its history
    // row: the tag's row changes value, an UPDATE the insert hook does not see) ...
    await race.pauseBeforeInsertInto('tag_history');
    const evaluated = evaluation.evaluate('RETIRE-EVAL');
    await race.waitForBlocked();
    // ... while the tag is retired and the retirement's chunk runs over the same customer.
    const retired = (await definitions.retire('lock_probe', actor)) as { runId: string };
    const chunk = runs.runChunk({ runId: retired.runId, ...wholeRange });
    await race.waitForBlocked(2);
    await race.release();
    const outcomes = await Promise.allSettled([evaluated, chunk]);
    expect(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'ok')),
    ).toEqual(['ok', 'ok']);
    expect(await tagRow('RETIRE-EVAL', 'lock_probe')).toBeUndefined();
  });

  async function expectErased(customerId: string): Promise<void> {
    const { rows: tags } = await db.query(`SELECT tag_id FROM customer_tag WHERE customer_id = $1`, [
      customerId,
    ]);
    expect(tags).toEqual([]);
    const { rows: events } = await db.query(`SELECT DISTINCT cause FROM tag_event WHERE customer_id = $1`, [
      customerId,
    ]);
    expect(events.every((row: { cause: string }) => row.cause === 'erasure')).toBe(true);
    const members = await api.http.get('/v1/segments/do_not_market/members').set(auth()).expect(200);
    expect(members.body.items.map((item: { customerId: string }) => item.customerId)).not.toContain(
      customerId,
    );
    await api.http.get(`/v1/customers/${customerId}/tags`).set(auth()).expect(404);
  }
});
