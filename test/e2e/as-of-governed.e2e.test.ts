import { ApiKeyService } from '@tagforge/auth';
import { auth, startApi, type ApiHarness } from '../support/api-harness';

// asOf answers name the version active at the instant: that holds for what maker-checker activates
// and retires through change sets, and for what a cancelled activation's rollback puts back. (No
// worker runs here: runs stay queued, so a cancellation always finds them.)
describe('asOf after change sets and rollbacks', () => {
  let api: ApiHarness;
  let checker: string;

  const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
  const instant = async () => {
    await pause();
    const at = new Date().toISOString();
    await pause();
    return at;
  };
  const sizeAt = (tagId: string, at: string) =>
    api.http.get(`/v1/tags/${tagId}/size?asOf=${encodeURIComponent(at)}`).set(auth());
  const activeDefinition = async (tagId: string) => {
    const { active } = (await api.http.get(`/v1/tags/${tagId}`).set(auth()).expect(200)).body as {
      active: Record<string, unknown>;
    };
    const { version: _version, activatedAt: _activatedAt, ...definition } = active;
    return definition;
  };
  // Proposed by the bootstrap key, approved by the checker, activated: one change set.
  const throughChangeSet = async (proposal: { id: string }) => {
    await api.http.post(`/v1/changesets/${proposal.id}:approve`).set(auth(checker)).expect(200);
    return (await api.http.post(`/v1/changesets/${proposal.id}:activate`).set(auth()).expect(202)).body as {
      runId: string;
    };
  };

  beforeAll(async () => {
    api = await startApi({ REQUIRE_APPROVAL: 'true' });
    checker = (
      await api.app
        .get(ApiKeyService)
        .create({ name: 'checker', scopes: ['definitions:write', 'tags:read'] }, null)
    ).key;
  });
  afterAll(() => api.close());

  it('reports the version a change set activated, a retirement, and a rolled-back activation', async () => {
    const first = await instant();

    const opted = await activeDefinition('opted_out');
    const synced = await api.http
      .post('/v1/tags:sync')
      .set(auth())
      .send({ definitions: [{ ...opted, description: 'Opted out of marketing (v2)' }] })
      .expect(200);
    await throughChangeSet(synced.body.changeSet);
    const second = await instant();

    const retired = await api.http.post('/v1/tags/high_net_worth:retire').set(auth()).expect(202);
    await throughChangeSet(retired.body.changeSet);
    const third = await instant();

    const again = await api.http
      .post('/v1/tags:sync')
      .set(auth())
      .send({ definitions: [{ ...opted, description: 'Opted out of marketing (v3)' }] })
      .expect(200);
    const activation = await throughChangeSet(again.body.changeSet);
    const fourth = await instant();
    await api.http.post(`/v1/runs/${activation.runId}:cancel`).set(auth()).expect(200);
    const fifth = await instant();

    expect((await sizeAt('opted_out', first).expect(200)).body.version).toBe(1);
    expect((await sizeAt('opted_out', second).expect(200)).body.version).toBe(2);
    expect((await sizeAt('opted_out', fourth).expect(200)).body.version).toBe(3);
    // The cancelled activation was rolled back: version 2 is active again.
    expect((await sizeAt('opted_out', fifth).expect(200)).body.version).toBe(2);
    expect((await sizeAt('high_net_worth', second).expect(200)).body.version).toBe(1);
    await sizeAt('high_net_worth', third).expect(404);
  });
});
