import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// Audiences as a campaign tool and a CRM integrator meet them: a feed that starts now, category and
// number tags by value, point-in-time answers that name their instant and version, export columns,
// and unknown ids that never read as "no".
describe('audiences', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  const ids = Array.from({ length: 40 }, (_, index) => `AU-${String(index).padStart(2, '0')}`);
  const channels = ['sms', 'app', 'wechat', 'phone'];

  const profileOf = (index: number) => ({
    marketing: { optOut: index % 4 === 0, preferredChannel: channels[index % channels.length] },
    demographics: { cityTier: (index % 4) + 1 },
    income: { monthlySalary: 10000 + 1000 * index },
    bureau: { score: 560 + index * 7, inquiries3m: index % 3, monthlyDebtPayment: 1500 * (index % 6) },
  });
  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
  const stored = async (tagId: string, where = 'true', params: unknown[] = []) =>
    (
      await db.query(
        `SELECT customer_id FROM customer_tag WHERE tag_id = $1 AND ${where} ORDER BY customer_id`,
        [tagId, ...params],
      )
    ).rows.map((row: { customer_id: string }) => row.customer_id);
  const allPages = async (path: string, key = auth()) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { body: { items: { customerId: string }[]; nextCursor: string | null } } =
        await api.http
          .get(`${path}${path.includes('?') ? '&' : '?'}limit=7${cursor ? `&cursor=${cursor}` : ''}`)
          .set(key)
          .expect(200);
      seen.push(...response.body.items.map((item) => item.customerId));
      cursor = response.body.nextCursor;
    } while (cursor);
    return seen;
  };
  const text = (request: ReturnType<ApiHarness['http']['get']>) =>
    request.buffer(true).parse((response, done) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => done(null, body));
    });
  const setOptOut = (customerId: string, optOut: boolean) =>
    api.http
      .patch(`/v1/customers/${customerId}/profile`)
      .set(auth())
      .send({ marketing: { optOut } })
      .expect(200);

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
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

  it('answers unknown ids with 404, or 422 naming each unknown id inside a body, never an empty 200', async () => {
    const lookup = await api.http
      .post('/v1/customers/tags:lookup')
      .set(auth())
      .send({ customerIds: [ids[0]], tagIds: ['do_not_market', 'no_such_tag', 'do_not_markt'] })
      .expect(422);
    expect(lookup.body.error.message).toContain('no_such_tag');
    expect(lookup.body.error.details.map((detail: { tagId: string }) => detail.tagId)).toEqual([
      'no_such_tag',
      'do_not_markt',
    ]);
    const known = await api.http
      .post('/v1/customers/tags:lookup')
      .set(auth())
      .send({ customerIds: [ids[0]], tagIds: ['do_not_market'] })
      .expect(200);
    expect(known.body.customers[0].tags.map((tag: { tagId: string }) => tag.tagId)).toEqual([
      'do_not_market',
    ]);
    await api.http.get(`/v1/customers/${ids[0]}/tags/history?tagId=nope`).set(auth()).expect(404);
    await api.http.get(`/v1/customers/${ids[0]}/tags/history?tagId=opted_out`).set(auth()).expect(200);
    for (const path of [
      '/v1/segments/no_such_segment/members',
      '/v1/segments/no_such_segment/changes',
      '/v1/tags/no_such_tag/members',
      '/v1/tags/no_such_tag/changes',
      '/v1/tags/no_such_tag/size',
    ]) {
      const response = await api.http.get(path).set(auth());
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    // A category value the rule never gives is a typo too.
    const grade = await api.http.get('/v1/tags/risk_grade/members?value=Z').set(auth()).expect(400);
    expect(grade.body.error.message).toMatch(/A, B, C, D, E/);
  });

  it('serves category and number tags as audiences: pages, size, exports and the feed of a value', async () => {
    const sms = await stored('preferred_channel', `value = '"sms"'::jsonb`);
    expect(sms.length).toBeGreaterThan(0);
    expect(await allPages('/v1/tags/preferred_channel/members?value=sms')).toEqual(sms);
    const size = await api.http.get('/v1/tags/preferred_channel/size?value=sms').set(auth()).expect(200);
    expect(size.body).toMatchObject({
      id: 'preferred_channel',
      kind: 'category',
      value: 'sms',
      size: sms.length,
    });
    const csv = await text(
      api.http.get('/v1/tags/preferred_channel/members?value=sms').set({ ...auth(), Accept: 'text/csv' }),
    ).expect(200);
    expect(
      (csv.body as string)
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
    ).toEqual(sms);

    const moderate = await stored(
      'debt_to_income_ratio',
      `(value)::numeric >= 0.1 AND (value)::numeric <= 0.4`,
    );
    expect(moderate.length).toBeGreaterThan(0);
    expect(await allPages('/v1/tags/debt_to_income_ratio/members?min=0.1&max=0.4')).toEqual(moderate);
    const ndjson = await text(
      api.http
        .get('/v1/tags/debt_to_income_ratio/members?min=0.1&max=0.4')
        .set({ ...auth(), Accept: 'application/x-ndjson' }),
    ).expect(200);
    expect(
      (ndjson.body as string)
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { customerId: string }).customerId),
    ).toEqual(moderate);
    await api.http.get('/v1/tags/debt_to_income_ratio/members').set(auth()).expect(400);
    await api.http.get('/v1/tags/debt_to_income_ratio/members?min=2&max=1').set(auth()).expect(400);
    await api.http.get('/v1/tags/preferred_channel/members?min=1').set(auth()).expect(400);
    await api.http.get('/v1/tags/opted_out/members?value=x').set(auth()).expect(400);

    // The feed of a value: entering sms and leaving it.
    const start = await api.http
      .get('/v1/tags/preferred_channel/changes?value=sms&since=now')
      .set(auth())
      .expect(200);
    const target = ids.find((id) => !sms.includes(id))!;
    await api.http
      .patch(`/v1/customers/${target}/profile`)
      .set(auth())
      .send({ marketing: { preferredChannel: 'sms' } })
      .expect(200);
    await drained();
    await api.http
      .patch(`/v1/customers/${target}/profile`)
      .set(auth())
      .send({ marketing: { preferredChannel: 'branch' } })
      .expect(200);
    await drained();
    const changes = await eventually(async () => {
      const page = await api.http
        .get(`/v1/tags/preferred_channel/changes?value=sms&since=${start.body.nextCursor}`)
        .set(auth())
        .expect(200);
      return page.body.items.length >= 2 ? page.body.items : undefined;
    }, 20_000);
    expect(
      changes.map((item: { customerId: string; change: string }) => [item.customerId, item.change]),
    ).toEqual([
      [target, 'entered'],
      [target, 'exited'],
    ]);
  });

  it('honours asOf everywhere it is accepted, with the version active then, and echoes the instant', async () => {
    await drained();
    const before = await stored('opted_out');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const instant = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A new version of opted_out: do-not-call customers count as opted out too.
    const draft = await api.http
      .post('/v1/tags')
      .set(auth())
      .send({
        id: 'opted_out',
        name: 'Opted out',
        nameZh: '已退订',
        kind: 'boolean',
        purpose: 'marketing',
        category: 'marketing_channel',
        rule: {
          or: [
            { '===': [{ var: 'marketing.optOut' }, true] },
            { '===': [{ var: 'marketing.doNotCall' }, true] },
          ],
        },
      })
      .expect(201);
    const activation = await api.http
      .post(`/v1/tags/opted_out/versions/${draft.body.version}:activate`)
      .set(auth())
      .expect(202);
    await eventually(async () => {
      const run = await api.http.get(`/v1/runs/${activation.body.runId}`).set(auth()).expect(200);
      return run.body.status === 'succeeded' ? true : undefined;
    }, 30_000);
    await api.http
      .patch(`/v1/customers/${ids[1]}/profile`)
      .set(auth())
      .send({ marketing: { doNotCall: true } })
      .expect(200);
    await drained();
    expect(await stored('opted_out')).not.toEqual(before);

    const then = await api.http
      .get(`/v1/tags/opted_out/size?asOf=${encodeURIComponent(instant)}`)
      .set(auth())
      .expect(200);
    expect(then.body).toMatchObject({ version: 1, size: before.length, asOf: instant });
    expect(JSON.stringify(then.body.rule)).not.toContain('doNotCall');
    const now = await api.http.get('/v1/tags/opted_out/size').set(auth()).expect(200);
    expect(now.body.version).toBe(draft.body.version);
    expect(now.body).not.toHaveProperty('asOf');

    const list = await api.http
      .get(`/v1/segments?asOf=${encodeURIComponent(instant)}`)
      .set(auth())
      .expect(200);
    expect(list.body.asOf).toBe(instant);
    const atThen = await api.http
      .get(`/v1/segments/do_not_market?asOf=${encodeURIComponent(instant)}`)
      .set(auth())
      .expect(200);
    const listed = (list.body.items as { id: string; size: number; asOf: string }[]).find(
      (item) => item.id === 'do_not_market',
    );
    expect(listed).toMatchObject({ size: atThen.body.size, asOf: instant });
    const members = await api.http
      .get(`/v1/tags/opted_out/members?asOf=${encodeURIComponent(instant)}&limit=1000`)
      .set(auth())
      .expect(200);
    expect(members.body.asOf).toBe(instant);
    expect(members.body.items.map((item: { customerId: string }) => item.customerId)).toEqual(before);
    const exported = await text(
      api.http
        .get(`/v1/tags/opted_out/members?asOf=${encodeURIComponent(instant)}`)
        .set({ ...auth(), Accept: 'text/csv' }),
    ).expect(200);
    expect(exported.headers['tagforge-as-of']).toBe(instant);
    const tags = await api.http
      .get(`/v1/customers/${ids[1]}/tags?asOf=${encodeURIComponent(instant)}`)
      .set(auth())
      .expect(200);
    expect(tags.body.asOf).toBe(instant);

    // Before anything was active there is no audience to answer for; the future is not known yet.
    await api.http.get('/v1/tags/opted_out/size?asOf=2001-01-01T00:00:00Z').set(auth()).expect(404);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    for (const path of [
      '/v1/segments',
      '/v1/segments/do_not_market',
      '/v1/tags/opted_out/size',
      '/v1/tags/opted_out/members',
      `/v1/customers/${ids[1]}/tags`,
    ]) {
      const response = await api.http.get(`${path}?asOf=${encodeURIComponent(future)}`).set(auth());
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
    }
  });

  it('adds columns to exports, with purpose rules and a cap', async () => {
    const columns =
      'tag:risk_grade,tag:opted_out,profile:demographics.cityTier,profile:marketing.preferredChannel';
    const members = await stored('opted_out');
    const csv = await text(
      api.http.get(`/v1/tags/opted_out/members?columns=${columns}`).set({ ...auth(), Accept: 'text/csv' }),
    ).expect(200);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe(`customer_id,since,${columns}`);
    const grades = new Map(
      (
        await db.query(
          `SELECT customer_id, value #>> '{}' AS grade FROM customer_tag WHERE tag_id = 'risk_grade'`,
        )
      ).rows.map((row: { customer_id: string; grade: string }) => [row.customer_id, row.grade]),
    );
    const tiers = new Map(
      (
        await db.query(
          `SELECT customer_id, profile #>> '{demographics,cityTier}' AS tier FROM customer_profile`,
        )
      ).rows.map((row: { customer_id: string; tier: string }) => [row.customer_id, row.tier]),
    );
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(members);
    for (const line of lines.slice(1)) {
      const [customerId, , grade, optedOut, tier] = line.split(',');
      expect({ customerId, grade, optedOut, tier }).toEqual({
        customerId,
        grade: grades.get(customerId) ?? '',
        optedOut: 'true',
        tier: tiers.get(customerId),
      });
    }
    const ndjson = await text(
      api.http
        .get(`/v1/tags/opted_out/members?columns=${columns}`)
        .set({ ...auth(), Accept: 'application/x-ndjson' }),
    ).expect(200);
    const first = JSON.parse((ndjson.body as string).split('\n')[0]) as {
      customerId: string;
      columns: Record<string, unknown>;
    };
    expect(first.columns).toEqual({
      'tag:risk_grade': grades.get(first.customerId) ?? null,
      'tag:opted_out': true,
      'profile:demographics.cityTier': Number(tiers.get(first.customerId)),
      'profile:marketing.preferredChannel': expect.any(String),
    });
    const page = await api.http
      .get(`/v1/tags/opted_out/members?columns=tag:risk_grade&limit=2`)
      .set(auth())
      .expect(200);
    expect(page.body.items[0].columns).toHaveProperty(['tag:risk_grade']);

    // Purpose: bureau fields need bureau:read; the cap; profile values are current only.
    const service = api.app.get(ApiKeyService);
    const campaign = (await service.create({ name: 'campaign', scopes: ['segments:read'] }, null)).key;
    const withBureau = (
      await service.create({ name: 'risk', scopes: ['segments:read', 'bureau:read'] }, null)
    ).key;
    const bureau = await api.http
      .get('/v1/tags/opted_out/members?columns=profile:bureau.score')
      .set(auth(campaign))
      .expect(403);
    expect(bureau.body.error.message).toContain('bureau:read');
    await api.http
      .get('/v1/tags/opted_out/members?columns=profile:bureau.score')
      .set(auth(withBureau))
      .expect(200);
    const many = Array.from(
      { length: 21 },
      (_, index) => `profile:transactions.spendByCategory30d.c${index}`,
    ).join(',');
    await api.http.get(`/v1/tags/opted_out/members?columns=${many}`).set(auth()).expect(400);
    await api.http.get('/v1/tags/opted_out/members?columns=tag:no_such_tag').set(auth()).expect(404);
    await api.http
      .get('/v1/tags/opted_out/members?columns=profile:demographics.nope')
      .set(auth())
      .expect(400);
    await api.http.get('/v1/tags/opted_out/members?columns=risk_grade').set(auth()).expect(400);
    await api.http
      .get(
        `/v1/tags/opted_out/members?columns=profile:demographics.cityTier&asOf=${encodeURIComponent(new Date().toISOString())}`,
      )
      .set(auth())
      .expect(400);
  });

  it('starts a sync at the feed head: a full export, then the feed, sees every later change exactly once', async () => {
    await drained();
    const head = await api.http.get('/v1/segments/do_not_market/changes?since=now').set(auth()).expect(200);
    expect(head.body.items).toEqual([]);
    expect(head.body.nextCursor).toBe(head.body.head);
    const summary = await api.http.get('/v1/segments/do_not_market').set(auth()).expect(200);
    expect(typeof summary.body.head).toBe('string');
    const [headTxid] = JSON.parse(Buffer.from(head.body.head, 'base64url').toString()) as string[];

    // Writes run while the consumer exports and then follows the feed.
    let writing = true;
    const writes = (async () => {
      for (let round = 0; round < 24; round += 1) {
        const customer = ids[(round * 7 + 3) % ids.length];
        await setOptOut(customer, round % 3 !== 0);
      }
      writing = false;
    })();
    const csv = await text(
      api.http.get('/v1/segments/do_not_market/members').set({ ...auth(), Accept: 'text/csv' }),
    ).expect(200);
    const local = new Set(
      (csv.body as string)
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
    );
    const seen: { seq: string; customerId: string; change: string }[] = [];
    let cursor = head.body.nextCursor as string;
    const follow = async () => {
      for (;;) {
        const page = await api.http
          .get(`/v1/segments/do_not_market/changes?since=${cursor}&limit=5`)
          .set(auth())
          .expect(200);
        for (const item of page.body.items as { seq: string; customerId: string; change: string }[]) {
          seen.push(item);
          if (item.change === 'entered') local.add(item.customerId);
          else local.delete(item.customerId);
        }
        cursor = page.body.nextCursor;
        if (page.body.items.length < 5) return;
      }
    };
    while (writing) {
      await follow();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await writes;
    await drained();
    const expected = await stored('do_not_market');
    await eventually(async () => {
      await follow();
      return JSON.stringify([...local].sort()) === JSON.stringify(expected) ? true : undefined;
    }, 20_000);
    // Exactly the changes written after the head, each once, in order; nothing from before it.
    const after = (
      await db.query(
        `SELECT seq::text FROM tag_event WHERE tag_id = 'do_not_market' AND txid >= $1
            AND (old_value IS NULL) <> (new_value IS NULL) ORDER BY txid, seq`,
        [headTxid],
      )
    ).rows.map((row: { seq: string }) => row.seq);
    expect(after.length).toBeGreaterThan(0);
    expect(seen.map((item) => item.seq)).toEqual(after);
  });
});
