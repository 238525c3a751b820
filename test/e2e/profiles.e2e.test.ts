import { Client } from 'pg';
import { auth, startApi, type ApiHarness } from '../support/api-harness';

describe('profile ingestion', () => {
  let api: ApiHarness;
  let db: Client;

  beforeAll(async () => {
    api = await startApi();
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await api.close();
  });

  const rowCount = async () =>
    Number((await db.query('SELECT count(*) FROM customer_profile')).rows[0].count);

  it('PUTs a valid profile, bumps the version and reads it back', async () => {
    const profile = {
      demographics: { birthDate: '1990-04-12', occupation: 'salaried', cityTier: 1 },
      deposits: { balance: 182000 },
    };
    const put = await api.http.put('/v1/customers/C-1/profile').set(auth()).send(profile).expect(200);
    expect(put.body).toEqual({ customerId: 'C-1', version: 1, changed: true, staleSections: [] });

    const read = await api.http.get('/v1/customers/C-1/profile').set(auth()).expect(200);
    expect(read.body.profile).toEqual(profile);
    expect(read.body.version).toBe(1);

    const again = await api.http.put('/v1/customers/C-1/profile').set(auth()).send(profile).expect(200);
    expect(again.body).toMatchObject({ version: 1, changed: false });
  });

  it('answers 422 with a JSON pointer and reason for each schema error, writing nothing', async () => {
    const before = await rowCount();
    const response = await api.http
      .put('/v1/customers/C-bad/profile')
      .set(auth())
      .send({ bureau: { score: 9000 }, deposits: { balance: 'lots' } })
      .expect(422);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const pointers = response.body.error.details.map((detail: { pointer: string }) => detail.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/bureau/score', '/deposits/balance']));
    for (const detail of response.body.error.details) expect(typeof detail.message).toBe('string');
    expect(await rowCount()).toBe(before);
  });

  it('applies JSON merge patches: null deletes, objects merge, arrays replace', async () => {
    await api.http
      .put('/v1/customers/C-2/profile')
      .set(auth())
      .send({ deposits: { balance: 100, avgBalance3m: 90 }, contact: { phoneChanges90d: 1 } })
      .expect(200);
    const patched = await api.http
      .patch('/v1/customers/C-2/profile')
      .set({ ...auth(), 'Content-Type': 'application/merge-patch+json' })
      .send(JSON.stringify({ deposits: { balance: 250, avgBalance3m: null }, contact: null }))
      .expect(200);
    expect(patched.body).toMatchObject({ version: 2, changed: true });
    const read = await api.http.get('/v1/customers/C-2/profile').set(auth()).expect(200);
    expect(read.body.profile).toEqual({ deposits: { balance: 250 } });
  });

  it('keeps a newer section when a late feed arrives with an older asOf, and reports it stale', async () => {
    await api.http
      .put('/v1/customers/C-3/profile')
      .set(auth())
      .send({ deposits: { asOf: '2026-11-02T00:00:00Z', balance: 500 } })
      .expect(200);
    const late = await api.http
      .patch('/v1/customers/C-3/profile')
      .set(auth())
      .send({ deposits: { asOf: '2026-11-01T00:00:00Z', balance: 1 }, marketing: { optOut: true } })
      .expect(200);
    expect(late.body.staleSections).toEqual([
      { section: 'deposits', storedAsOf: '2026-11-02T00:00:00Z', receivedAsOf: '2026-11-01T00:00:00Z' },
    ]);
    const read = await api.http.get('/v1/customers/C-3/profile').set(auth()).expect(200);
    expect(read.body.profile.deposits.balance).toBe(500);
    expect(read.body.profile.marketing).toEqual({ optOut: true });
  });

  it('refuses an asOf ahead of the server clock by more than the skew with 422 naming the field, writing nothing', async () => {
    const before = await rowCount();
    const future = await api.http
      .put('/v1/customers/C-future/profile')
      .set(auth())
      .send({ deposits: { asOf: '2099-01-01T00:00:00Z', balance: 1 } })
      .expect(422);
    expect(future.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ pointer: '/deposits/asOf', message: expect.stringMatching(/in the future/) }],
    });
    const batch = await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send('{"customerId":"C-future","patch":{"asOf":{"deposits":"2099-01-01"},"deposits":{"balance":1}}}\n')
      .expect(422);
    // Its only line failed: the per-line report is the error's details.
    expect(batch.body.error.details[0]).toMatchObject({
      status: 'error',
      error: { details: [{ pointer: '/asOf/deposits' }] },
    });
    expect(await rowCount()).toBe(before);
    const soon = new Date(Date.now() + 60_000).toISOString();
    await api.http
      .put('/v1/customers/C-future/profile')
      .set(auth())
      .send({ deposits: { asOf: soon, balance: 1 } })
      .expect(200);
  });

  it('refuses bad customer ids with 400', async () => {
    for (const id of ['a'.repeat(65), 'bad%20id', 'semi;colon', 'ü']) {
      const response = await api.http
        .put(`/v1/customers/${encodeURIComponent(id)}/profile`)
        .set(auth())
        .send({});
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('INVALID_ID');
    }
  });

  it('answers 413 for an oversized body and 400 for malformed JSON', async () => {
    const big = { demographics: { occupation: 'x'.repeat(2 * 1024 * 1024) } };
    const large = await api.http.put('/v1/customers/C-4/profile').set(auth()).send(big);
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const broken = await api.http
      .put('/v1/customers/C-4/profile')
      .set({ ...auth(), 'Content-Type': 'application/json' })
      .send('{"deposits": {"balance": 1,}}');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('INVALID_JSON');
    expect(broken.body.error.message).toMatch(/position|column/);
  });

  it('refuses an empty PUT or PATCH body with 400 after authenticating, leaving the profile as it was', async () => {
    await api.http
      .put('/v1/customers/C-5/profile')
      .set(auth())
      .send({ deposits: { balance: 5 } })
      .expect(200);
    for (const method of ['put', 'patch'] as const) {
      const empty = await api.http[method]('/v1/customers/C-5/profile').set(auth());
      expect({ method, status: empty.status, code: empty.body.error.code }).toEqual({
        method,
        status: 400,
        code: 'BAD_REQUEST',
      });
      const anonymous = await api.http[method]('/v1/customers/C-5/profile');
      expect({ method, status: anonymous.status }).toEqual({ method, status: 401 });
    }
    const stored = await api.http.get('/v1/customers/C-5/profile').set(auth()).expect(200);
    expect(stored.body.profile.deposits.balance).toBe(5);
  });

  it('loads a batch with mixed good and bad lines, answering each line', async () => {
    const lines = [
      JSON.stringify({ customerId: 'B-1', profile: { deposits: { balance: 10 } } }),
      '{not json',
      JSON.stringify({ customerId: 'B-2', profile: { bureau: { score: 5 } } }),
      JSON.stringify({ customerId: 'bad id!', profile: {} }),
      JSON.stringify({ customerId: 'B-1', patch: { deposits: { balance: 20 } } }),
      JSON.stringify({ customerId: 'B-3', patch: { marketing: { optOut: true } } }),
    ];
    const response = await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(lines.join('\n') + '\n')
      .expect(200);
    expect(response.body).toMatchObject({ lines: 6, ok: 3, failed: 3 });
    const statuses = response.body.results.map((result: { line: number; status: string }) => [
      result.line,
      result.status,
    ]);
    expect(statuses).toEqual([
      [1, 'ok'],
      [2, 'error'],
      [3, 'error'],
      [4, 'error'],
      [5, 'ok'],
      [6, 'ok'],
    ]);
    expect(response.body.results[2].error.details[0].pointer).toBe('/bureau/score');
    const b1 = await api.http.get('/v1/customers/B-1/profile').set(auth()).expect(200);
    expect(b1.body).toMatchObject({ version: 2, profile: { deposits: { balance: 20 } } });
    await api.http.get('/v1/customers/B-2/profile').set(auth()).expect(404);
  });

  it('skips blank lines, names a line without customerId, and answers 422 when every line failed', async () => {
    const send = (body: string) =>
      api.http
        .post('/v1/profiles:batch')
        .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
        .send(body);
    const mixed = await send(
      [
        '',
        JSON.stringify({ customerId: 'NB-1', profile: { deposits: { balance: 1 } } }),
        '   ',
        JSON.stringify({ profile: { deposits: { balance: 2 } } }),
        '\r',
      ].join('\n') + '\n',
    ).expect(200);
    expect(mixed.body).toMatchObject({ lines: 2, ok: 1, failed: 1, skipped: 3 });
    expect(mixed.body.results.map((result: { line: number }) => result.line)).toEqual([2, 4]);
    expect(mixed.body.results[1].error.message).toBe('line 4 has no customerId');

    const allFailed = await send(
      [
        JSON.stringify({ customerId: 'NB-2', profile: { bureau: { score: 5 } } }),
        '{not json',
        JSON.stringify({ patch: {} }),
      ].join('\n'),
    ).expect(422);
    expect(allFailed.body.error.code).toBe('VALIDATION_FAILED');
    expect(allFailed.body.error.message).toMatch(/every line/);
    expect(
      allFailed.body.error.details.map((result: { line: number; status: string }) => [
        result.line,
        result.status,
      ]),
    ).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'error'],
    ]);
    expect(allFailed.body.error.details[0].error.details[0].pointer).toBe('/bureau/score');
    await api.http.get('/v1/customers/NB-2/profile').set(auth()).expect(404);
    const blank = await send('\n\n  \n').expect(400);
    expect(blank.body.error.message).toMatch(/no lines/);
  });

  it('erases a customer and everything derived from it', async () => {
    await api.http
      .put('/v1/customers/E-1/profile')
      .set(auth())
      .send({ deposits: { balance: 1 } })
      .expect(200);
    const erased = await api.http.delete('/v1/customers/E-1').set(auth()).expect(200);
    expect(erased.body).toEqual({
      customerId: 'E-1',
      removed: { profiles: 1, tags: 0, events: 0, campaignRecords: 0 },
    });
    await api.http.get('/v1/customers/E-1/profile').set(auth()).expect(404);
  });
});
