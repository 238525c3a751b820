import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, DestinationRepository } from '@tagforge/persistence';
import { createTestDatabase } from '../support/test-database';

// The delivery loop's writes are conditional (on its lease, on the cursor it read from): each must
// say whether it matched. TypeORM answers an UPDATE with [rows, affected], which a bare length check
// took for a match every time — a second job claimed a destination another held, or one waiting
// for its Retry-After.
describe('destination leases and conditional cursor writes', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let destinations: DestinationRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ url: database.url, poolSize: 2, applicationName: 'tagforge-lease-test' });
    await dataSource.initialize();
    destinations = new DestinationRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const create = async () =>
    (
      await destinations.create({
        name: 'lease',
        url: 'https://hooks.example.com/x',
        audiences: ['gambling_spend'],
        earlyWarning: false,
        events: ['entered', 'exited'],
        maxEvents: 10,
        maxWaitMs: 0,
        columns: [],
        riskUse: false,
        secret: 'whsec_dGVzdA==',
        createdBy: 'test',
      })
    ).destination.id;

  it('gives a destination to one holder at a time, and not while it waits for a retry', async () => {
    const id = await create();
    const [first, second] = [randomUUID(), randomUUID()];
    expect(await destinations.claim(id, first, 60_000)).not.toBeNull();
    expect(await destinations.claim(id, second, 60_000)).toBeNull();
    expect(await destinations.stillHeld(id, second, 60_000)).toBe(false);
    expect(await destinations.stillHeld(id, first, 60_000)).toBe(true);

    const { cursor } = (await destinations.find(id))!;
    const to = { txid: cursor.txid, seq: '99' };
    const failure = {
      consecutiveFailures: 1,
      failingSince: new Date(),
      nextAttemptAt: new Date(Date.now() + 3_600_000),
    };
    expect(await destinations.recordFailure(id, second, to, failure)).toBe(false);
    expect(await destinations.recordFailure(id, first, to, failure)).toBe(true);
    await destinations.release(id, first);
    // Free, but waiting for its next attempt.
    expect(await destinations.claim(id, second, 60_000)).toBeNull();
    expect(await destinations.due()).not.toContain(id);
  });

  it('moves the cursor only for the holder, from where it read', async () => {
    const id = await create();
    const [holder, other] = [randomUUID(), randomUUID()];
    const { cursor } = (await destinations.claim(id, holder, 60_000))!;
    const from = { txid: cursor.txid, seq: cursor.seq };
    const to = { txid: cursor.txid, seq: '5' };
    const options = { delivered: true, leaseMs: 60_000 };
    expect(await destinations.advance(id, other, from, to, options)).toBe(false);
    expect(await destinations.advance(id, holder, to, { txid: cursor.txid, seq: '9' }, options)).toBe(false);
    expect(await destinations.advance(id, holder, from, to, options)).toBe(true);
    expect((await destinations.find(id))!.cursor.seq).toBe('5');
    // A replay takes the lease back: the old holder's next write changes nothing.
    expect(await destinations.replayFrom(id, from)).toBe(true);
    expect(await destinations.stillHeld(id, holder, 60_000)).toBe(false);
    expect(await destinations.advance(id, holder, from, to, options)).toBe(false);
  });

  it('says when the destination to change does not exist', async () => {
    const missing = randomUUID();
    expect(await destinations.update(missing, { name: 'x' })).toBe(false);
    expect(await destinations.setStatus(missing, 'paused', null)).toBe(false);
    expect(await destinations.rotateSecret(missing, 'whsec_eA==', new Date())).toBe(false);
    expect(await destinations.replayFrom(missing, { txid: '1', seq: '0' })).toBe(false);
    expect(await destinations.delete(missing)).toBe(false);
    const id = await create();
    expect(await destinations.setStatus(id, 'paused', 'test')).toBe(true);
    expect(await destinations.claim(id, randomUUID(), 60_000)).toBeNull();
    expect(await destinations.delete(id)).toBe(true);
  });
});
