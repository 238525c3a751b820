import { describe, expect, it } from 'vitest';
import type { RunView } from '../api/types';
import { sandboxRunFor } from './pending';

const run = (overrides: Partial<RunView>): RunView => ({
  id: 'r',
  kind: 'sandbox',
  status: 'succeeded',
  scope: {},
  progress: { total: 1, done: 1, percent: 100 },
  changed: 0,
  failed: 0,
  ruleErrors: {},
  createdBy: 'a',
  createdAt: '2026-01-01T00:00:00Z',
  startedAt: null,
  finishedAt: null,
  error: null,
  ...overrides,
});

describe('the sandbox result of a pending change', () => {
  it('finds the sandbox run that tried exactly the draft rule', () => {
    const rule = { '>=': [{ var: 'bureau.score' }, 720] };
    const runs = [
      run({ id: 'other', scope: { definitions: [{ id: 'low_risk', rule: { '>=': [1, 2] } } as never] } }),
      run({ id: 'match', scope: { definitions: [{ id: 'low_risk', rule } as never] } }),
    ];
    expect(sandboxRunFor(runs, 'low_risk', rule)?.id).toBe('match');
    expect(sandboxRunFor(runs, 'high_risk', rule)).toBeUndefined();
  });
});
