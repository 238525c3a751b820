import { readFileSync } from 'node:fs';
import { ApiKeyService } from '@tagforge/auth';
import { auth, startApi, type ApiHarness } from '../support/api-harness';

const shipped = (id: string) =>
  JSON.parse(readFileSync(`tag-definitions/tags/${id}.json`, 'utf8')) as Record<string, unknown>;
// A changed copy of a shipped definition: a new draft version of that tag.
const changed = (id: string, description: string) => ({
  ...shipped(id),
  description,
  examples: undefined,
});

interface DraftItem {
  tagId: string;
  version: number;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

// Issue 17: the console's review list reads every pending draft in one request.
describe('GET /v1/tags:drafts', () => {
  let api: ApiHarness;
  let maker: string;
  let checker: string;
  let marketing: string;

  beforeAll(async () => {
    api = await startApi({ REQUIRE_APPROVAL: 'true' });
    const keys = api.app.get(ApiKeyService);
    maker = (await keys.create({ name: 'analyst', scopes: ['definitions:write', 'tags:read'] }, null)).key;
    checker = (await keys.create({ name: 'risk-lead', scopes: ['definitions:write'] }, null)).key;
    marketing = (await keys.create({ name: 'campaigns', scopes: ['segments:read'] }, null)).key;
  });
  afterAll(async () => {
    await api.close();
  });

  const drafts = async (): Promise<DraftItem[]> =>
    (await api.http.get('/v1/tags:drafts').set(auth(maker)).expect(200)).body.items as DraftItem[];
  const listed = (items: DraftItem[], tagId: string, version: number) =>
    items.find((item) => item.tagId === tagId && item.version === version);

  it('lists a fresh draft with its maker, newest first, and its approval once approved', async () => {
    const older = await api.http
      .post('/v1/tags')
      .set(auth(maker))
      .send(changed('high_spender', 'A draft made first.'))
      .expect(201);
    const newer = await api.http
      .post('/v1/tags')
      .set(auth(maker))
      .send(changed('low_risk', 'A draft made second.'))
      .expect(201);

    const before = await drafts();
    expect(before.map((item) => `${item.tagId}@${item.version}`)).toEqual([
      `low_risk@${newer.body.version}`,
      `high_spender@${older.body.version}`,
    ]);
    expect(listed(before, 'low_risk', newer.body.version as number)).toMatchObject({
      createdBy: 'analyst',
      approvedBy: null,
      approvedAt: null,
    });
    // The same version and maker as the tag's own page shows.
    const detail = await api.http.get('/v1/tags/low_risk').set(auth(maker)).expect(200);
    const version = (
      detail.body.versions as { version: number; createdBy: string; createdAt: string }[]
    ).find((row) => row.version === newer.body.version);
    expect(listed(before, 'low_risk', newer.body.version as number)).toMatchObject({
      createdBy: version?.createdBy,
      createdAt: version?.createdAt,
    });

    await api.http
      .post(`/v1/tags/low_risk/versions/${newer.body.version}:approve`)
      .set(auth(checker))
      .expect(200);
    const approved = listed(await drafts(), 'low_risk', newer.body.version as number);
    expect(approved).toMatchObject({ approvedBy: 'risk-lead', approvedAt: expect.any(String) });
  });

  it('drops a draft once it is activated or discarded', async () => {
    const pending = await drafts();
    const lowRisk = pending.find((item) => item.tagId === 'low_risk')!;
    const highSpender = pending.find((item) => item.tagId === 'high_spender')!;
    await api.http
      .post(`/v1/tags/low_risk/versions/${lowRisk.version}:activate`)
      .set(auth(maker))
      .expect(202);
    expect(listed(await drafts(), 'low_risk', lowRisk.version)).toBeUndefined();
    expect(listed(await drafts(), 'high_spender', highSpender.version)).toBeDefined();

    await api.http
      .delete(`/v1/tags/high_spender/versions/${highSpender.version}`)
      .set(auth(maker))
      .expect(200);
    expect(await drafts()).toEqual([]);
  });

  it('needs tags:read', async () => {
    await api.http.get('/v1/tags:drafts').set(auth(marketing)).expect(403);
    await api.http.get('/v1/tags:drafts').set(auth(checker)).expect(403);
    await api.http.get('/v1/tags:drafts').expect(401);
  });
});
