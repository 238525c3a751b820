import { Client } from 'pg';
import { ApiKeyService } from '@tagforge/auth';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

// do_not_market follows marketing.optOut (among others): flipping optOut moves customers in and out.
describe('serving audiences and CRM views', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Client;
  const ids = Array.from({ length: 30 }, (_, index) => `V-${String(index).padStart(2, '0')}`);

  const drained = () =>
    eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM customer_profile WHERE evaluated_version < version`,
      );
      return rows[0].n === 0 ? true : undefined;
    }, 20_000);
  const setOptOut = async (customerId: string, optOut: boolean) =>
    api.http
      .patch(`/v1/customers/${customerId}/profile`)
      .set(auth())
      .send({ marketing: { optOut } })
      .expect(200);
  const members = async (path: string) => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { body: { items: { customerId: string }[]; nextCursor: string | null } } =
        await api.http
          .get(`${path}${path.includes('?') ? '&' : '?'}limit=7${cursor ? `&cursor=${cursor}` : ''}`)
          .set(auth())
          .expect(200);
      all.push(...response.body.items.map((item) => item.customerId));
      cursor = response.body.nextCursor;
    } while (cursor);
    return all;
  };
  const stored = async (tagId: string) =>
    (
      await db.query(`SELECT customer_id FROM customer_tag WHERE tag_id = $1 ORDER BY customer_id`, [tagId])
    ).rows.map((row: { customer_id: string }) => row.customer_id);

  beforeAll(async () => {
    api = await startApi();
    worker = await startWorker(api);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const lines = ids.map((customerId, index) =>
      JSON.stringify({
        customerId,
        profile: {
          marketing: { optOut: index % 3 === 0, contacts30d: 1 },
          deposits: { balance: 1000 * index },
          bureau: { score: 600 + index * 8, inquiries3m: 0 },
        },
      }),
    );
    await api.http
      .post('/v1/profiles:batch')
      .set({ ...auth(), 'Content-Type': 'application/x-ndjson' })
      .send(lines.join('\n'))
      .expect(200);
    await drained();
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.close();
  });

  it('lists segments with size and last change, and answers 404 for non-audiences', async () => {
    const list = await api.http.get('/v1/segments').set(auth()).expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual(
      expect.arrayContaining(['do_not_market', 'instant_approval_offer', 'low_risk_customers']),
    );
    const one = await api.http.get('/v1/segments/do_not_market').set(auth()).expect(200);
    expect(one.body).toMatchObject({
      id: 'do_not_market',
      kind: 'segment',
      version: 1,
      size: (await stored('do_not_market')).length,
    });
    expect(one.body.lastChangedAt).toEqual(expect.any(String));
    await api.http.get('/v1/segments/opted_out').set(auth()).expect(404);
    await api.http.get('/v1/tags/no_such_tag/members').set(auth()).expect(404);
    // A number tag is an audience once bounded (?min= / ?max=).
    await api.http.get('/v1/tags/risk_score/members').set(auth()).expect(400);
    await api.http.get('/v1/segments/do_not_market/members?limit=0').set(auth()).expect(400);
    await api.http.get('/v1/segments/do_not_market/members?limit=10001').set(auth()).expect(400);
    await api.http.get('/v1/segments/do_not_market/members?cursor=nonsense').set(auth()).expect(400);
  });

  it('pages through members without skipping or repeating anyone while tags change between pages', async () => {
    const before = await stored('do_not_market');
    const seen: string[] = [];
    let cursor: string | null = null;
    let flips = 0;
    do {
      const response: { body: { items: { customerId: string }[]; nextCursor: string | null } } =
        await api.http
          .get(`/v1/segments/do_not_market/members?limit=4${cursor ? `&cursor=${cursor}` : ''}`)
          .set(auth())
          .expect(200);
      seen.push(...response.body.items.map((item) => item.customerId));
      cursor = response.body.nextCursor;
      // Opt a few more customers out behind and ahead of the cursor.
      await setOptOut(ids[(flips * 7 + 1) % ids.length], true);
      flips += 1;
    } while (cursor);
    await drained();
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    const after = await stored('do_not_market');
    // Everyone who was a member throughout was returned exactly once.
    for (const id of before.filter((member) => after.includes(member))) expect(seen).toContain(id);
  });

  it('streams the whole list as CSV and NDJSON, equal to the paged list', async () => {
    const paged = await members('/v1/segments/do_not_market/members');
    expect(paged).toEqual(await stored('do_not_market'));
    const csv = await api.http
      .get('/v1/segments/do_not_market/members')
      .set({ ...auth(), Accept: 'text/csv' })
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const csvLines = csv.text.trim().split('\n');
    expect(csvLines[0]).toBe('customer_id,since');
    expect(csvLines.slice(1).map((line) => line.split(',')[0])).toEqual(paged);
    const ndjson = await api.http
      .get('/v1/tags/opted_out/members')
      .set({ ...auth(), Accept: 'application/x-ndjson' })
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done(null, text));
      })
      .expect(200);
    const streamed = (ndjson.body as string)
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { customerId: string }).customerId);
    expect(streamed).toEqual(await stored('opted_out'));
  });

  it('answers membership and size at a past instant from history', async () => {
    await drained();
    const earlier = await stored('opted_out');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const instant = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await setOptOut(ids[2], !earlier.includes(ids[2]));
    await setOptOut(ids[4], !earlier.includes(ids[4]));
    await drained();
    expect(await stored('opted_out')).not.toEqual(earlier);
    expect(await members(`/v1/tags/opted_out/members?asOf=${encodeURIComponent(instant)}`)).toEqual(earlier);
    const size = await api.http
      .get(`/v1/tags/opted_out/size?asOf=${encodeURIComponent(instant)}`)
      .set(auth())
      .expect(200);
    expect(size.body.size).toBe(earlier.length);
    await api.http.get('/v1/tags/opted_out/size?asOf=yesterday').set(auth()).expect(400);
  });

  it('the changes feed, read from any cursor, reconstructs membership exactly once each', async () => {
    await drained();
    const replay = async (pageSize: number) => {
      const membersNow = new Set<string>();
      const seenSeq = new Set<string>();
      let cursor: string | undefined;
      let middle: { cursor: string; members: Set<string> } | undefined;
      for (;;) {
        const response = await api.http
          .get(`/v1/segments/do_not_market/changes?limit=${pageSize}${cursor ? `&since=${cursor}` : ''}`)
          .set(auth())
          .expect(200);
        for (const item of response.body.items as { seq: string; customerId: string; change: string }[]) {
          expect(seenSeq.has(item.seq)).toBe(false);
          seenSeq.add(item.seq);
          if (item.change === 'entered') membersNow.add(item.customerId);
          else membersNow.delete(item.customerId);
        }
        if (!middle && seenSeq.size > 3)
          middle = { cursor: response.body.nextCursor, members: new Set(membersNow) };
        if (response.body.items.length === 0)
          return { membersNow, middle, last: response.body.nextCursor as string };
        cursor = response.body.nextCursor;
      }
    };
    // The feed only shows transactions older than every running one in the cluster, so it may lag
    // by the longest-running transaction; wait for it to catch up.
    const caughtUp = async (pageSize: number) => {
      const expected = await stored('do_not_market');
      return eventually(async () => {
        const result = await replay(pageSize);
        return JSON.stringify([...result.membersNow].sort()) === JSON.stringify(expected)
          ? result
          : undefined;
      }, 20_000);
    };
    const whole = await caughtUp(5);
    await caughtUp(1000);

    // Resume from a stored cursor while membership changes: applying the rest gives the new state.
    await setOptOut(ids[5], true);
    await setOptOut(ids[6], false);
    await drained();
    const expected = await stored('do_not_market');
    await eventually(async () => {
      const resumed = new Set(whole.membersNow);
      const next = await api.http
        .get(`/v1/segments/do_not_market/changes?since=${whole.last}`)
        .set(auth())
        .expect(200);
      for (const item of next.body.items as { customerId: string; change: string }[]) {
        if (item.change === 'entered') resumed.add(item.customerId);
        else resumed.delete(item.customerId);
      }
      return JSON.stringify([...resumed].sort()) === JSON.stringify(expected) ? true : undefined;
    }, 20_000);
  });

  it('shows a customer its segments, tags at an instant, history and lookups', async () => {
    const customer = ids[3];
    const segments = await api.http.get(`/v1/customers/${customer}/segments`).set(auth()).expect(200);
    const segmentIds = segments.body.segments.map((segment: { segmentId: string }) => segment.segmentId);
    expect(segmentIds.sort()).toEqual(
      (
        await db.query(
          `SELECT t.tag_id FROM customer_tag t JOIN tag_definition d ON d.tag_id = t.tag_id AND d.status = 'active'
            WHERE d.kind = 'segment' AND t.customer_id = $1 ORDER BY 1`,
          [customer],
        )
      ).rows.map((row: { tag_id: string }) => row.tag_id),
    );
    const now = await api.http.get(`/v1/customers/${customer}/tags`).set(auth()).expect(200);
    const asOfNow = await api.http
      .get(`/v1/customers/${customer}/tags?asOf=${encodeURIComponent(new Date().toISOString())}`)
      .set(auth())
      .expect(200);
    expect(asOfNow.body.tags.map((tag: { tagId: string; value: unknown }) => [tag.tagId, tag.value])).toEqual(
      now.body.tags.map((tag: { tagId: string; value: unknown }) => [tag.tagId, tag.value]),
    );

    const firstPage = await api.http
      .get(`/v1/customers/${customer}/tags/history?limit=3`)
      .set(auth())
      .expect(200);
    expect(firstPage.body.items).toHaveLength(3);
    const secondPage = await api.http
      .get(`/v1/customers/${customer}/tags/history?limit=3&cursor=${firstPage.body.nextCursor}`)
      .set(auth())
      .expect(200);
    const times = [...firstPage.body.items, ...secondPage.body.items].map((item: { at: string }) => item.at);
    expect([...times].sort().reverse()).toEqual(times);
    const filtered = await api.http
      .get(`/v1/customers/${customer}/tags/history?tagId=opted_out`)
      .set(auth())
      .expect(200);
    for (const item of filtered.body.items) expect(item.tagId).toBe('opted_out');

    const lookup = await api.http
      .post('/v1/customers/tags:lookup')
      .set(auth())
      .send({ customerIds: [ids[0], 'nobody', ids[1]], tagIds: ['opted_out'] })
      .expect(200);
    expect(lookup.body.unknown).toEqual(['nobody']);
    expect(lookup.body.customers.map((entry: { customerId: string }) => entry.customerId)).toEqual([
      ids[0],
      ids[1],
    ]);
    await api.http.post('/v1/customers/tags:lookup').set(auth()).send({ customerIds: [] }).expect(400);
    await api.http
      .post('/v1/customers/tags:lookup')
      .set(auth())
      .send({ customerIds: Array.from({ length: 1001 }, (_, index) => `X${index}`) })
      .expect(400);
  });

  it('explains tags in agreement with the stored values, walking into a segment', async () => {
    for (const customer of ids.slice(0, 6)) {
      for (const tagId of ['opted_out', 'do_not_market', 'prime_credit']) {
        const response = await api.http
          .get(`/v1/customers/${customer}/tags/${tagId}/explain`)
          .set(auth())
          .expect(200);
        expect(response.body.agrees).toBe(true);
        expect(typeof response.body.account).toBe('string');
      }
    }
    const segment = await api.http
      .get(`/v1/customers/${ids[0]}/tags/do_not_market/explain`)
      .set(auth())
      .expect(200);
    expect(segment.body.components.map((component: { tagId: string }) => component.tagId)).toContain(
      'opted_out',
    );
    const optedOut = segment.body.components.find(
      (component: { tagId: string }) => component.tagId === 'opted_out',
    );
    expect(optedOut.reads).toHaveProperty(['marketing.optOut']);
    await api.http.get(`/v1/customers/${ids[0]}/tags/no_such_tag/explain`).set(auth()).expect(404);
  });

  it('explains in words for people, in English or Chinese, withholding bureau values from keys without bureau:read', async () => {
    const customer = ids[20];
    const english = await api.http
      .get(`/v1/customers/${customer}/tags/prime_credit/explain?format=text&lang=en`)
      .set(auth())
      .expect(200);
    expect(english.headers['content-type']).toMatch(/^text\/plain/);
    const score = 600 + 20 * 8;
    expect(english.text.split('\n')[0]).toMatch(/^Prime credit[^:]*: (yes|no) — /);
    expect(english.text).toContain(`Bureau score ${score}`);
    const chinese = await api.http
      .get(`/v1/customers/${customer}/tags/prime_credit/explain?format=text&lang=zh`)
      .set(auth())
      .expect(200);
    expect(chinese.text).toContain(`征信评分`);
    expect(chinese.text).not.toMatch(/[{}]|"var"/);
    const service = api.app.get(ApiKeyService);
    const crm = (await service.create({ name: 'crm', scopes: ['tags:read'] }, null)).key;
    const withheld = await api.http
      .get(`/v1/customers/${customer}/tags/prime_credit/explain?format=text`)
      .set(auth(crm))
      .expect(200);
    expect(withheld.text).not.toContain(String(score));
    expect(withheld.text).toContain('withheld');
    await api.http.get(`/v1/customers/${customer}/tags/prime_credit/explain?lang=zh`).set(auth()).expect(400);
    await api.http
      .get(`/v1/customers/${customer}/tags/prime_credit/explain?format=html`)
      .set(auth())
      .expect(400);
  });
});
