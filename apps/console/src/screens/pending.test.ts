import { describe, expect, it } from 'vitest';
import type { RunView, TagDetail } from '../api/types';
import { draftsOf, sandboxRunFor, triedTags } from './pending';

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

describe('pending changes', () => {
  it('takes the tags of sandbox runs only, once each', () => {
    const runs = [
      run({ scope: { tags: ['low_risk'] } }),
      run({ kind: 'activation', scope: { tags: ['affluent'] } }),
      run({ scope: { tags: ['low_risk', 'high_risk'] } }),
    ];
    expect(triedTags(runs)).toEqual(['low_risk', 'high_risk']);
  });

  it('lists draft versions, newest first', () => {
    const detail = (id: string, versions: [number, string, string][]): TagDetail => ({
      id,
      active: null,
      examples: [],
      customers: 0,
      errorCount: 0,
      lastRunId: null,
      versions: versions.map(([version, status, createdAt]) => ({
        version,
        status,
        checksum: '',
        createdBy: 'maker',
        approvedBy: null,
        createdAt,
        activatedAt: null,
        retiredAt: null,
      })),
    });
    expect(
      draftsOf([
        detail('low_risk', [
          [1, 'active', '2026-01-01'],
          [2, 'draft', '2026-01-03'],
        ]),
        detail('high_risk', [[4, 'draft', '2026-01-05']]),
      ]).map((draft) => `${draft.tagId}@${draft.version}`),
    ).toEqual(['high_risk@4', 'low_risk@2']);
  });

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
