import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { HOLDOUT_BUCKET_SQL } from '@tagforge/persistence';
import { campaignGroup, differenceInterval, wilsonInterval } from '@tagforge/campaigns';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// Campaigns as a marketing manager runs them: freeze an audience into target and control, record
// what happened, and ask whether the campaign worked, by how much and how sure we are.
describe('campaigns', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  const channels = ['sms', 'app', 'wechat', 'phone'];
  const ids = Array.from({ length: 300 }, (_, index) => `CA-${String(index).padStart(3, '0')}`);
  const ndjson = { ...auth(), 'Content-Type': 'application/x-ndjson' };
  const profileOf = (index: number) => ({
    marketing: { optOut: index % 3 === 0, preferredChannel: channels[index % channels.length] },
    bureau: { dishonestDebtor: index % 10 === 0 },
  });
  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
  const keyWith = async (...scopes: string[]) =>
    auth((await api.app.get(ApiKeyService).create({ name: scopes.join('+'), scopes }, null)).key);
  const optedOut = ids.filter((_, index) => index % 3 === 0);

  beforeAll(async () => {
    api = await startApi({ LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    await api.http
      .post('/v1/profiles:batch')
      .set(ndjson)
      .send(
        ids.map((customerId, index) => JSON.stringify({ customerId, profile: profileOf(index) })).join('\n'),
      )
      .expect(200);
    await drained();
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('freezes the audience and splits it as the pure hash says, in SQL, audited', async () => {
    const created = await api.http
      .post('/v1/campaigns')
      .set(auth())
      .send({
        id: 'optout-winback',
        name: 'Win back',
        audience: 'opted_out',
        channel: 'sms',
        holdoutPercent: 30,
      })
      .expect(201);
    expect(created.body).toMatchObject({
      id: 'optout-winback',
      audience: 'opted_out',
      members: optedOut.length,
    });
    const control = optedOut.filter((id) => campaignGroup('optout-winback', id, 30) === 'control');
    expect(created.body.groups).toEqual({
      target: optedOut.length - control.length,
      control: control.length,
    });
    // Every member's group in SQL is the group the pure function gives.
    const { rows } = await db.query(
      `SELECT customer_id, group_name FROM campaign_member WHERE campaign_id = $1 ORDER BY customer_id`,
      ['optout-winback'],
    );
    expect(rows).toEqual(
      optedOut.map((id) => ({ customer_id: id, group_name: campaignGroup('optout-winback', id, 30) })),
    );
    const audit = await api.http.get('/v1/audit?entity=campaign').set(auth()).expect(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'campaign.create', entityId: 'optout-winback' });

    await api.http
      .post('/v1/campaigns')
      .set(auth())
      .send({
        id: 'optout-winback',
        name: 'Again',
        audience: 'opted_out',
        channel: 'sms',
        holdoutPercent: 30,
      })
      .expect(409);
  });

  it('agrees with the pure split on many ids and odd holdouts', async () => {
    // The repository's own SQL expression, against the pure function.
    const { rows } = await db.query(
      `SELECT id, ${HOLDOUT_BUCKET_SQL("'seed-7'", 'id')}::int AS bucket FROM unnest($1::text[]) AS id`,
      [Array.from({ length: 2000 }, (_, index) => `ID-${index}-${'x'.repeat(index % 50)}`)],
    );
    for (const row of rows as { id: string; bucket: number }[]) {
      expect(campaignGroup('seed-7', row.id, 12.34)).toBe(row.bucket < 1234 ? 'control' : 'target');
    }
  });

  it('refuses audiences that are not segments or boolean tags, and bad bodies', async () => {
    const base = { id: 'c-x', name: 'x', audience: 'opted_out', channel: 'sms', holdoutPercent: 10 };
    await api.http
      .post('/v1/campaigns')
      .set(auth())
      .send({ ...base, audience: 'preferred_channel' })
      .expect(400);
    await api.http
      .post('/v1/campaigns')
      .set(auth())
      .send({ ...base, audience: 'no_such_tag' })
      .expect(404);
    for (const bad of [
      { holdoutPercent: 51 },
      { holdoutPercent: -1 },
      { holdoutPercent: 10.001 },
      { holdoutPercent: '10' },
      { channel: 'fax' },
      { id: 'a b' },
      { name: '' },
      { audience: 'Opted' },
      { extra: 1 },
    ]) {
      const response = await api.http
        .post('/v1/campaigns')
        .set(auth())
        .send({ ...base, ...bad });
      expect({ bad, status: response.status }).toEqual({ bad, status: 400 });
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM campaign WHERE id = 'c-x'`);
    expect(rows[0].n).toBe(0);
  });

  it('pages and exports members by group', async () => {
    const control = optedOut.filter((id) => campaignGroup('optout-winback', id, 30) === 'control');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { customerId: string; group: string }[]; nextCursor: string | null } } =
        await api.http
          .get(
            `/v1/campaigns/optout-winback/members?group=control&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
          )
          .set(auth())
          .expect(200);
      expect(page.body.items.every((item) => item.group === 'control')).toBe(true);
      seen.push(...page.body.items.map((item) => item.customerId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(control);
    const csv = await api.http
      .get('/v1/campaigns/optout-winback/members')
      .set({ ...auth(), Accept: 'text/csv' })
      .buffer(true)
      .parse((response, done) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => done(null, body));
      })
      .expect(200);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('customer_id,group');
    expect(lines.slice(1)).toEqual(optedOut.map((id) => `${id},${campaignGroup('optout-winback', id, 30)}`));
    await api.http.get('/v1/campaigns/optout-winback/members?group=both').set(auth()).expect(400);
    await api.http.get('/v1/campaigns/nope/members').set(auth()).expect(404);
  });

  it('records outcomes per line, idempotently, refusing non-members, and reports target against control', async () => {
    const members = optedOut;
    // Converted: every second target member, every fourth control member.
    const converted = members.filter((id, index) =>
      campaignGroup('optout-winback', id, 30) === 'target' ? index % 2 === 0 : index % 4 === 0,
    );
    const lines = [
      ...converted.map((customerId) =>
        JSON.stringify({ customerId, outcome: 'converted', at: '2026-11-20T10:00:00Z', amount: 1000.5 }),
      ),
      JSON.stringify({ customerId: 'CA-001', outcome: 'converted', at: '2026-11-20T10:00:00Z' }),
      '',
      'not json',
    ];
    const first = await api.http
      .post('/v1/campaigns/optout-winback/outcomes')
      .set(ndjson)
      .send(lines.join('\n'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      lines: converted.length + 2,
      ok: converted.length,
      failed: 2,
      skipped: 1,
    });
    expect(first.body.results[converted.length]).toMatchObject({
      status: 'error',
      customerId: 'CA-001',
      error: { code: 'NOT_FOUND' },
    });
    expect(first.body.results[0]).toMatchObject({ status: 'ok', outcome: 'converted', recorded: 'created' });
    const again = await api.http
      .post('/v1/campaigns/optout-winback/outcomes')
      .set(ndjson)
      .send(lines.slice(0, 2).join('\n'))
      .expect(200);
    expect(again.body.results.map((result: { recorded: string }) => result.recorded)).toEqual([
      'unchanged',
      'unchanged',
    ]);
    const corrected = await api.http
      .post('/v1/campaigns/optout-winback/outcomes')
      .set(ndjson)
      .send(
        [
          JSON.stringify({ customerId: converted[0], outcome: 'converted', at: '2026-11-21T10:00:00Z' }),
          JSON.stringify({ customerId: converted[0], outcome: 'converted', at: '2026-11-22T10:00:00Z' }),
        ].join('\n'),
      )
      .expect(200);
    expect(corrected.body.results.map((result: { recorded: string }) => result.recorded)).toEqual([
      'superseded',
      'updated',
    ]);
    const stored = await db.query(
      `SELECT at, amount FROM campaign_outcome WHERE campaign_id = 'optout-winback' AND customer_id = $1`,
      [converted[0]],
    );
    expect(stored.rows).toEqual([{ at: new Date('2026-11-22T10:00:00Z'), amount: null }]);

    const before = await db.query(`SELECT count(*)::int AS n FROM campaign_outcome`);
    const refused = await api.http
      .post('/v1/campaigns/optout-winback/outcomes')
      .set(ndjson)
      .send(
        [
          JSON.stringify({ customerId: 'CA-001', outcome: 'converted', at: '2026-11-20T10:00:00Z' }),
          JSON.stringify({ customerId: converted[1], outcome: 'bought', at: '2026-11-20T10:00:00Z' }),
        ].join('\n'),
      )
      .expect(422);
    expect(refused.body.error.details).toHaveLength(2);
    expect((await db.query(`SELECT count(*)::int AS n FROM campaign_outcome`)).rows[0].n).toBe(
      before.rows[0].n,
    );
    await api.http.post('/v1/campaigns/optout-winback/outcomes').set(ndjson).send('\n').expect(400);
    await api.http
      .post('/v1/campaigns/optout-winback/outcomes')
      .set({ ...auth(), 'Content-Type': 'application/json' })
      .send('{}')
      .expect(415);
    await api.http.post('/v1/campaigns/nope/outcomes').set(ndjson).send(lines[0]).expect(404);

    const report = await api.http.get('/v1/campaigns/optout-winback/report').set(auth()).expect(200);
    const inGroup = (group: string) =>
      members.filter((id) => campaignGroup('optout-winback', id, 30) === group);
    const target = inGroup('target');
    const control = inGroup('control');
    const targetConverted = converted.filter((id) => target.includes(id)).length;
    const controlConverted = converted.length - targetConverted;
    expect(report.body.total.groups[0]).toMatchObject({
      group: 'target',
      members: target.length,
      outcomes: {
        converted: {
          count: targetConverted,
          rate: targetConverted / target.length,
          interval: wilsonInterval(targetConverted, target.length),
        },
      },
    });
    expect(report.body.total.groups[1].outcomes.converted.count).toBe(controlConverted);
    expect(report.body.total.lift.converted.differenceInterval).toEqual(
      differenceInterval(targetConverted, target.length, controlConverted, control.length),
    );
    expect(report.body.total.lift.converted.pValue).toBeGreaterThan(0);
  });

  it('cuts the report by a tag as the freeze saw it, however the tag changed afterwards', async () => {
    const byFreeze = new Map(optedOut.map((id) => [id, channels[Number(id.slice(3)) % channels.length]]));
    // After the freeze, every member's channel becomes branch.
    await api.http
      .post('/v1/profiles:batch')
      .set(ndjson)
      .send(
        optedOut
          .map((customerId) =>
            JSON.stringify({ customerId, patch: { marketing: { preferredChannel: 'branch' } } }),
          )
          .join('\n'),
      )
      .expect(200);
    await drained();
    const current = await db.query(
      `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = 'preferred_channel' AND value = '"branch"'`,
    );
    expect(current.rows[0].n).toBe(optedOut.length);
    const report = await api.http
      .get('/v1/campaigns/optout-winback/report?by=preferred_channel')
      .set(auth())
      .expect(200);
    expect(report.body.by.tagId).toBe('preferred_channel');
    const sizes = Object.fromEntries(
      report.body.values.map((slice: { value: string; groups: { members: number }[] }) => [
        slice.value,
        slice.groups[0].members + slice.groups[1].members,
      ]),
    );
    const expected: Record<string, number> = {};
    for (const channel of byFreeze.values()) expected[channel] = (expected[channel] ?? 0) + 1;
    expect(sizes).toEqual(expected);

    // A campaign frozen now sees branch.
    await api.http
      .post('/v1/campaigns')
      .set(auth())
      .send({ id: 'after-change', name: 'After', audience: 'opted_out', channel: 'app', holdoutPercent: 0 })
      .expect(201);
    const later = await api.http
      .get('/v1/campaigns/after-change/report?by=preferred_channel')
      .set(auth())
      .expect(200);
    expect(later.body.values.map((slice: { value: string }) => slice.value)).toEqual(['branch']);
    expect(later.body.total.groups[1].members).toBe(0);
    expect(later.body.total.lift.converted.difference).toBeNull();
  });

  it('refuses reports by number tags, unknown tags, and bureau-only tags without bureau:read', async () => {
    await api.http.get('/v1/campaigns/optout-winback/report?by=risk_score').set(auth()).expect(400);
    await api.http.get('/v1/campaigns/optout-winback/report?by=no_such_tag').set(auth()).expect(404);
    await api.http.get('/v1/campaigns/optout-winback/report?by=Bad').set(auth()).expect(400);
    const reader = await keyWith('insights:read');
    await api.http.get('/v1/campaigns/optout-winback/report?by=dishonest_debtor').set(reader).expect(403);
    const risk = await keyWith('insights:read', 'bureau:read');
    await api.http.get('/v1/campaigns/optout-winback/report?by=dishonest_debtor').set(risk).expect(200);
    await api.http.get('/v1/campaigns/optout-winback/report?by=preferred_channel').set(reader).expect(200);
  });

  it('lists campaigns, and guards each route with its scope', async () => {
    const list = await api.http.get('/v1/campaigns?limit=1').set(auth()).expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual(['after-change']);
    const next = await api.http
      .get(`/v1/campaigns?limit=1&cursor=${list.body.nextCursor}`)
      .set(auth())
      .expect(200);
    expect(next.body.items.map((item: { id: string }) => item.id)).toEqual(['optout-winback']);
    const reader = await keyWith('insights:read');
    await api.http
      .post('/v1/campaigns')
      .set(reader)
      .send({ id: 'nope', name: 'x', audience: 'opted_out', channel: 'sms', holdoutPercent: 10 })
      .expect(403);
    await api.http
      .post('/v1/campaigns/optout-winback/outcomes')
      .set({ ...reader, 'Content-Type': 'application/x-ndjson' })
      .send('{}')
      .expect(403);
    const writer = await keyWith('campaigns:write');
    await api.http.get('/v1/campaigns/optout-winback').set(writer).expect(403);
  });

  it('compares an audience with the rest of the population on a boolean outcome tag', async () => {
    const reader = await keyWith('insights:read');
    const answer = await api.http
      .get('/v1/insights/outcomes?audience=opted_out&outcome=marketing_fatigue')
      .set(reader)
      .expect(200);
    const { rows } = await db.query(`
      SELECT (SELECT count(*) FROM customer_profile WHERE version > 0)::int AS population,
             (SELECT count(*) FROM customer_tag WHERE tag_id = 'opted_out')::int AS audience,
             (SELECT count(*) FROM customer_tag WHERE tag_id = 'marketing_fatigue')::int AS outcome,
             (SELECT count(*) FROM customer_tag a JOIN customer_tag o ON o.customer_id = a.customer_id
               AND o.tag_id = 'marketing_fatigue' WHERE a.tag_id = 'opted_out')::int AS both`);
    const [counts] = rows;
    expect(answer.body).toMatchObject({
      audience: 'opted_out',
      outcome: 'marketing_fatigue',
      population: counts.population,
      groups: [
        { group: 'audience', customers: counts.audience, outcome: { count: counts.both } },
        {
          group: 'rest',
          customers: counts.population - counts.audience,
          outcome: { count: counts.outcome - counts.both },
        },
      ],
    });
    await api.http
      .get('/v1/insights/outcomes?audience=opted_out&outcome=dishonest_debtor')
      .set(reader)
      .expect(403);
    await api.http
      .get('/v1/insights/outcomes?audience=opted_out&outcome=preferred_channel')
      .set(reader)
      .expect(400);
    await api.http.get('/v1/insights/outcomes?audience=opted_out').set(reader).expect(400);
    await api.http.get('/v1/insights/outcomes?audience=opted_out&outcome=opted_out').set(reader).expect(400);
    await api.http.get('/v1/insights/outcomes?audience=opted_out&outcome=nope_tag').set(reader).expect(404);
  });

  it('erases a customer from campaigns with the rest of its data', async () => {
    const member = optedOut[0];
    const erased = await api.http.delete(`/v1/customers/${member}`).set(auth()).expect(200);
    expect(erased.body.removed.campaignRecords).toBeGreaterThanOrEqual(2);
    const left = await db.query(
      `SELECT (SELECT count(*) FROM campaign_member WHERE customer_id = $1)::int
            + (SELECT count(*) FROM campaign_outcome WHERE customer_id = $1)::int AS n`,
      [member],
    );
    expect(left.rows[0].n).toBe(0);
  });
});
