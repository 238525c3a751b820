import { buildBatch, selectChanges, type HistoryChange } from './payload';
import { earlyWarningTags, readsBureau } from './early-warning';

const change = (seq: string, customerId: string, tagId: string, entered: boolean): HistoryChange => ({
  txid: '900',
  seq,
  customerId,
  tagId,
  entered,
  at: new Date('2026-12-01T08:00:00Z'),
  tagVersion: 2,
  profileVersion: '7',
  cause: 'profile',
  writtenAt: null,
});

describe('payloads', () => {
  const changes = [change('1', 'C1', 'gambling_spend', true), change('2', 'C2', 'gambling_spend', false)];

  it('keeps the changes a destination asked for, in order', () => {
    expect(selectChanges(changes, ['entered']).map((c) => c.seq)).toEqual(['1']);
    expect(selectChanges(changes, ['entered', 'exited']).map((c) => c.seq)).toEqual(['1', '2']);
  });

  it('carries ids, versions, idempotency keys, columns and explanations only', () => {
    const payload = buildBatch({
      destinationId: 'd1',
      earlyWarning: true,
      webhookId: 'msg_x',
      from: 'F',
      to: 'T',
      changes,
      cursorOf: (point) => `${point.txid}/${point.seq}`,
      values: new Map([['C1', { low_risk: true }]]),
      explanations: new Map([['1', 'Gambling spend: yes — gambling 3,000 in 30 days']]),
    });
    expect(payload).toEqual({
      type: 'early_warning.signals',
      destinationId: 'd1',
      batch: { webhookId: 'msg_x', from: 'F', to: 'T', events: 2 },
      events: [
        {
          idempotencyKey: 'evt_1',
          cursor: '900/1',
          customerId: 'C1',
          audience: 'gambling_spend',
          change: 'entered',
          at: '2026-12-01T08:00:00.000Z',
          tagVersion: 2,
          profileVersion: '7',
          cause: 'profile',
          values: { low_risk: true },
          explanation: 'Gambling spend: yes — gambling 3,000 in 30 days',
        },
        {
          idempotencyKey: 'evt_2',
          cursor: '900/2',
          customerId: 'C2',
          audience: 'gambling_spend',
          change: 'exited',
          at: '2026-12-01T08:00:00.000Z',
          tagVersion: 2,
          profileVersion: '7',
          cause: 'profile',
          values: {},
          explanation: null,
        },
      ],
    });
    const plain = buildBatch({
      destinationId: 'd1',
      earlyWarning: false,
      webhookId: 'm',
      from: 'F',
      to: 'T',
      changes,
      cursorOf: () => 'c',
    });
    expect(plain.type).toBe('audience.changes');
    expect(Object.keys(plain.events[0])).not.toContain('values');
    expect(Object.keys(plain.events[0])).not.toContain('explanation');
  });

  it('takes the early-warning signals (leaf boolean tags of the category) and the watchlist', () => {
    const definition = (
      tagId: string,
      kind: string,
      category: string,
      dependsOnTags: string[] = [],
      paths: string[] = [],
    ) => ({
      tagId,
      kind,
      meta: { category },
      dependsOnTags,
      dependsOnPaths: paths,
    });
    const active = [
      definition('gambling_spend', 'boolean', 'early_warning'),
      definition('early_warning', 'boolean', 'early_warning', ['gambling_spend']),
      definition('early_warning_count', 'number', 'early_warning', ['gambling_spend']),
      definition('low_risk', 'boolean', 'credit_risk'),
      definition('early_warning_watchlist', 'segment', 'segment', ['early_warning']),
      definition('new_debt_elsewhere', 'boolean', 'early_warning', [], ['bureau.otherLenders']),
    ];
    expect(earlyWarningTags(active)).toEqual([
      'early_warning_watchlist',
      'gambling_spend',
      'new_debt_elsewhere',
    ]);
    expect(readsBureau(active[5])).toBe(true);
    expect(readsBureau(active[0])).toBe(false);
  });
});
