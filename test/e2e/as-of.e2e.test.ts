import fc from 'fast-check';
import { Client } from 'pg';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

const SEED = Number(process.env.FC_SEED ?? 20261128);

// Random write sequences flip customers in and out of `opted_out` (and so `do_not_market`); after
// each write has been evaluated we note the instant and the live membership. Afterwards, asking for
// the membership and size at each noted instant must give exactly what was live then.
describe('point-in-time audiences replay history', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  let run = 0;

  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 20_000);
  const live = async (tagId: string, prefix: string) =>
    (
      await db.query(
        `SELECT customer_id FROM customer_tag WHERE tag_id = $1 AND customer_id LIKE $2 ORDER BY 1`,
        [tagId, `${prefix}%`],
      )
    ).rows.map((row: { customer_id: string }) => row.customer_id);
  const membersAt = async (path: string, asOf: string, prefix: string) => {
    const response = await api.http
      .get(`${path}?asOf=${encodeURIComponent(asOf)}&limit=10000`)
      .set(auth())
      .expect(200);
    return (response.body.items as { customerId: string }[])
      .map((item) => item.customerId)
      .filter((id) => id.startsWith(prefix));
  };

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('matches the live membership at every noted instant', async () => {
    const writes = fc.array(fc.record({ customer: fc.integer({ min: 0, max: 4 }), optOut: fc.boolean() }), {
      minLength: 2,
      maxLength: 6,
    });
    await fc.assert(
      fc.asyncProperty(writes, async (sequence) => {
        run += 1;
        const prefix = `AS${run}-`;
        const snapshots: { at: string; optedOut: string[]; doNotMarket: string[] }[] = [];
        for (const write of sequence) {
          await api.http
            .patch(`/v1/customers/${prefix}${write.customer}/profile`)
            .set(auth())
            .send({ marketing: { optOut: write.optOut } })
            .expect(200);
          await drained();
          await new Promise((resolve) => setTimeout(resolve, 5));
          snapshots.push({
            at: new Date().toISOString(),
            optedOut: await live('opted_out', prefix),
            doNotMarket: await live('do_not_market', prefix),
          });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        for (const snapshot of snapshots) {
          expect(await membersAt('/v1/tags/opted_out/members', snapshot.at, prefix)).toEqual(
            snapshot.optedOut,
          );
          expect(await membersAt('/v1/segments/do_not_market/members', snapshot.at, prefix)).toEqual(
            snapshot.doNotMarket,
          );
        }
      }),
      { numRuns: 6, seed: SEED, endOnFailure: true },
    );
  });
});
