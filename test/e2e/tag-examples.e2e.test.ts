import { auth, startApi, type ApiHarness } from '../support/api-harness';

// A tag's page shows its examples with pass/fail: GET /v1/tags/{id} runs the active version's
// examples against the active catalog as it is now, so a change to a tag it reads shows up there.
describe('examples on a definition read', () => {
  let api: ApiHarness;

  const base = (threshold: number) => ({
    id: 'examples_base_score',
    name: 'Examples: good score',
    kind: 'boolean',
    purpose: 'risk',
    category: 'credit_risk',
    description: 'A bureau score at or above a threshold.',
    rule: { and: [{ '!!': { var: 'bureau.score' } }, { '>=': [{ var: 'bureau.score' }, threshold] }] },
    examples: [
      { name: 'well above', profile: { bureau: { score: 800 } }, expect: true },
      { name: 'well below', profile: { bureau: { score: 500 } }, expect: false },
    ],
  });
  const dependent = {
    id: 'examples_dependent',
    name: 'Examples: reads the good score',
    kind: 'boolean',
    purpose: 'risk',
    category: 'credit_risk',
    description: 'Set when examples_base_score is.',
    rule: { '==': [{ var: 'tags.examples_base_score' }, true] },
    examples: [
      { name: 'score 720', profile: { bureau: { score: 720 } }, expect: true },
      { name: 'score 600', profile: { bureau: { score: 600 } }, expect: false },
    ],
  };
  const sync = (definitions: object[]) =>
    api.http.post('/v1/tags:sync').set(auth()).send({ definitions }).expect(200);

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it("gives every example of the active version with its outcome, as the catalog's file examples", async () => {
    const detail = await api.http.get('/v1/tags/low_risk').set(auth()).expect(200);
    const names = (detail.body.active.examples as { name: string }[]).map((example) => example.name);
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(detail.body.examples).toEqual(
      names.map((name, index) => ({
        index,
        name,
        passed: true,
        expected: expect.anything(),
        actual: expect.anything(),
      })),
    );
  });

  it('shows an example that fails today after a tag it reads changed', async () => {
    await sync([base(700), dependent]);
    const before = await api.http.get('/v1/tags/examples_dependent').set(auth()).expect(200);
    expect(before.body.examples).toEqual([
      { index: 0, name: 'score 720', passed: true, expected: true, actual: true },
      { index: 1, name: 'score 600', passed: true, expected: false, actual: false },
    ]);
    // The base tag's own examples still pass at 750; the dependent's first one no longer does.
    await sync([base(750)]);
    const after = await api.http.get('/v1/tags/examples_dependent').set(auth()).expect(200);
    expect(after.body.examples).toEqual([
      { index: 0, name: 'score 720', passed: false, expected: true, actual: false },
      { index: 1, name: 'score 600', passed: true, expected: false, actual: false },
    ]);
    const own = await api.http.get('/v1/tags/examples_base_score').set(auth()).expect(200);
    expect(own.body.examples.map((example: { passed: boolean }) => example.passed)).toEqual([true, true]);
  });
});
