import { Client } from 'pg';
import { feedHorizonSql } from '@tagforge/persistence';
import { ADMIN_URL } from '../support/test-database';

// The changes feed's horizon from a snapshot's 64-bit xmax and the 32-bit xids pg_stat_activity
// lists, evaluated by Postgres on given values (the statement the feeds run, with its inputs fixed).
describe('the feed horizon', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  const horizon = async (xmax: bigint, running: readonly number[]) => {
    const values =
      running.length === 0
        ? 'SELECT NULL::bigint AS xid WHERE false'
        : `SELECT unnest(ARRAY[${running.join(',')}]::bigint[]) AS xid`;
    const { rows } = await client.query<{ least: string }>(feedHorizonSql(`${xmax}::bigint`, values));
    return BigInt(rows[0].least);
  };
  const EPOCH = 2n ** 32n;

  it('is the snapshot xmax when nothing runs', async () => {
    expect(await horizon(EPOCH + 100n, [])).toBe(EPOCH + 100n);
  });

  it('is the oldest running transaction, widened to 64 bits, across the 32-bit wrap too', async () => {
    expect(await horizon(EPOCH + 100n, [90, 95])).toBe(EPOCH + 90n);
    expect(await horizon(EPOCH + 5n, [4294967290])).toBe(4294967290n);
  });

  it('ignores a transaction that got its id after the snapshot (never negative, never past xmax)', async () => {
    // Before the fix: 105 counted as 2^32 - 5 behind, and the horizon went negative.
    expect(await horizon(100n, [105])).toBe(100n);
    expect(await horizon(EPOCH + 100n, [105, 90])).toBe(EPOCH + 90n);
  });
});
