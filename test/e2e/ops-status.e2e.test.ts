import { ApiKeyService } from '@tagforge/auth';
import { auth, eventually, startApi, startWorker, type ApiHarness } from '../support/api-harness';

interface Status {
  at: string;
  evaluation: { pending: number; pendingCap: number; oldestPendingAt: string | null; lagSeconds: number };
  queues: Record<
    'evaluation' | 'runs' | 'maintenance',
    Record<'waiting' | 'active' | 'delayed' | 'failed', number>
  > | null;
  runs: { queued: number; running: number };
}

// GET /v1/ops/status: how far tags are behind profiles, what waits in the queues, runs in progress.
describe('ops status', () => {
  let api: ApiHarness;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let key: string;

  const status = async (): Promise<Status> =>
    (await api.http.get('/v1/ops/status').set(auth(key)).expect(200)).body as Status;

  beforeAll(async () => {
    api = await startApi();
    key = (await api.app.get(ApiKeyService).create({ name: 'analyst', scopes: ['tags:read'] }, null)).key;
    // The catalog's first activation run finishes; then the worker stops, so writes wait for one.
    worker = await startWorker(api);
    await eventually(async () => {
      const now = await status();
      return now.runs.queued + now.runs.running === 0 ? true : undefined;
    }, 60_000);
    await worker.close();
    worker = undefined;
  }, 90_000);
  afterAll(async () => {
    await worker?.close();
    await api.close();
  });

  it('shows writes waiting for a worker as lag and queue depth, and both gone once it has run', async () => {
    const idle = await status();
    expect(idle.evaluation).toEqual({ pending: 0, pendingCap: 100000, oldestPendingAt: null, lagSeconds: 0 });
    expect(idle.runs).toEqual({ queued: 0, running: 0 });
    expect(idle.queues?.evaluation).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });

    const written = Date.now();
    for (const id of ['OPS-1', 'OPS-2', 'OPS-3']) {
      await api.http
        .put(`/v1/customers/${id}/profile`)
        .set(auth())
        .send({ deposits: { balance: 100 } })
        .expect(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const behind = await status();
    expect(behind.evaluation.pending).toBe(3);
    expect(new Date(behind.evaluation.oldestPendingAt!).getTime()).toBeGreaterThanOrEqual(written - 1000);
    expect(behind.evaluation.lagSeconds).toBeGreaterThanOrEqual(0.3);
    expect(behind.evaluation.lagSeconds).toBeLessThan(60);
    // No worker yet: each customer's evaluation waits in the queue.
    expect(behind.queues?.evaluation.waiting).toBe(3);

    worker = await startWorker(api);
    const caughtUp = await eventually(async () => {
      const now = await status();
      return now.evaluation.pending === 0 && now.queues?.evaluation.waiting === 0 ? now : undefined;
    }, 30_000);
    expect(caughtUp.evaluation).toEqual({
      pending: 0,
      pendingCap: 100000,
      oldestPendingAt: null,
      lagSeconds: 0,
    });
  });

  it('counts a run while it is unfinished', async () => {
    const started = await api.http.post('/v1/runs').set(auth()).send({ kind: 'recompute' }).expect(202);
    const during = await status();
    expect(during.runs.queued + during.runs.running).toBe(1);
    await eventually(async () => {
      const run = await api.http.get(`/v1/runs/${started.body.runId}`).set(auth()).expect(200);
      return run.body.status === 'succeeded' ? true : undefined;
    }, 30_000);
    expect((await status()).runs).toEqual({ queued: 0, running: 0 });
  });

  it('is refused to a key without tags:read', async () => {
    const segments = await api.app
      .get(ApiKeyService)
      .create({ name: 'campaigns', scopes: ['segments:read'] }, null);
    const refused = await api.http.get('/v1/ops/status').set(auth(segments.key)).expect(403);
    expect(refused.body.error.message).toBe('this key lacks the "tags:read" scope');
  });
});
