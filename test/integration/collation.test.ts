import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@tagforge/persistence';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';
import { databaseUrl, dropDatabase, recreateDatabase } from '../support/test-database';

// Mixed-case ids sort differently under an ICU or en_US collation ('a-1' < 'B-1') than in JavaScript
// ('B-1' < 'a-1'). Ranges computed in JS and compared in SQL must still cover every customer once,
// which holds because every id column compares bytewise (COLLATE "C").
const IDS = ['a-1', 'B-1', 'c-1', 'D-1', 'e.1', 'F_1'];

describe('ids sort the same in SQL and JavaScript on an ICU (en-US) database', () => {
  const name = `tagforge_test_${process.env.TAGFORGE_TEST_RUN ?? process.pid}_icu_${randomBytes(3).toString('hex')}`;
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;

  beforeAll(async () => {
    await recreateDatabase(name, 'icu:en-US');
    await migrate(databaseUrl(name));
    api = await startApi(
      {},
      { databaseUrl: databaseUrl(name), queuePrefix: `{tagforge-icu-${randomBytes(3).toString('hex')}}` },
    );
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    for (const id of IDS) {
      await api.http
        .put(`/v1/customers/${id}/profile`)
        .set(auth())
        .send({ transactions: { spend30d: 30000 } })
        .expect(200);
    }
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version = version`,
      );
      return rows[0].n === IDS.length ? true : undefined;
    }, 30_000);
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
    await dropDatabase(name);
  });

  it('the database really collates the ICU way, and the id columns bytewise', async () => {
    const { rows } =
      await db.query(`SELECT 'a-1' < 'B-1' AS icu, (SELECT collation_name FROM information_schema.columns
      WHERE table_name = 'customer_profile' AND column_name = 'customer_id') AS id_collation`);
    expect(rows[0]).toEqual({ icu: true, id_collation: 'C' });
  });

  it('a sandbox over listed customers and a recompute each count every customer once', async () => {
    const sandbox = await api.http
      .post('/v1/sandbox/runs')
      .set(auth())
      .send({
        population: { customerIds: IDS },
        definitions: [
          {
            id: 'high_spender',
            name: 'x',
            kind: 'boolean',
            purpose: 'marketing',
            category: 'value',
            rule: { '>=': [{ var: 'transactions.spend30d' }, 1] },
          },
        ],
      })
      .expect(202);
    expect(sandbox.body.customers).toBe(IDS.length);
    const sandboxRun = await eventually(async () => {
      const run = (await api.http.get(`/v1/sandbox/runs/${sandbox.body.runId}`).set(auth()).expect(200)).body;
      return run.status === 'succeeded' ? run : undefined;
    }, 30_000);
    expect(sandboxRun.progress).toMatchObject({ total: IDS.length, done: IDS.length });
    expect(sandboxRun.tags[0]).toMatchObject({ set: IDS.length, setBefore: IDS.length });

    const recompute = await api.http.post('/v1/runs').set(auth()).send({ kind: 'recompute' }).expect(202);
    const run = await eventually(async () => {
      const view = (await api.http.get(`/v1/runs/${recompute.body.runId}`).set(auth()).expect(200)).body;
      return view.status === 'succeeded' ? view : undefined;
    }, 30_000);
    expect(run.progress).toMatchObject({ total: IDS.length, done: IDS.length });
  });
});
