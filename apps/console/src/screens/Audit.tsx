import { Button, DatePicker, Input, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useAudit } from '../api/queries';
import type { AuditEntry } from '../api/types';
import { QueryState } from '../components/feedback';
import { JsonBlock } from '../components/RuleView';
import { formatInstant } from '../format/format';
import { useI18n } from '../i18n/i18n';

const ENTITIES = ['api_key', 'customer', 'evaluation_run', 'tag_definition'];

// Entity and time are filtered by the API; the actor within the loaded page (GET /v1/audit has no
// actor filter).
export function matchesActor(entry: AuditEntry, actor: string): boolean {
  const needle = actor.trim().toLowerCase();
  return (
    needle === '' ||
    entry.actor.name.toLowerCase().includes(needle) ||
    (entry.actor.keyId ?? '').startsWith(needle)
  );
}

export default function Audit() {
  const { t, locale } = useI18n();
  const [entity, setEntity] = useState<string | undefined>(undefined);
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [actor, setActor] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const filter = { entity, from: range?.[0]?.toISOString(), to: range?.[1]?.toISOString() };
  const audit = useAudit(filter, cursors[cursors.length - 1], true);
  const restart = () => setCursors([undefined]);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('auditTitle')}</Typography.Title>
      <Space wrap>
        <Select
          allowClear
          aria-label={t('entity')}
          placeholder={t('entity')}
          style={{ width: 200 }}
          value={entity}
          onChange={(value: string | undefined) => {
            setEntity(value);
            restart();
          }}
          options={ENTITIES.map((value) => ({ value, label: value }))}
        />
        <DatePicker.RangePicker
          showTime
          aria-label={`${t('from')} / ${t('to')}`}
          value={range}
          onChange={(value) => {
            setRange(value);
            restart();
          }}
        />
        <Input
          aria-label={t('actor')}
          placeholder={t('actor')}
          value={actor}
          onChange={(event) => setActor(event.target.value)}
          style={{ width: 200 }}
          allowClear
        />
      </Space>
      <QueryState query={audit}>
        {() => (
          <>
            <Table<AuditEntry>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={audit.data!.items.filter((entry) => matchesActor(entry, actor))}
              expandable={{
                expandedRowRender: (entry) => (
                  <Space align="start" style={{ width: '100%' }}>
                    <div style={{ minWidth: 320 }}>
                      <strong>{t('before')}</strong>
                      <JsonBlock value={entry.before} />
                    </div>
                    <div style={{ minWidth: 320 }}>
                      <strong>{t('after')}</strong>
                      <JsonBlock value={entry.after} />
                    </div>
                  </Space>
                ),
              }}
              columns={[
                { title: t('at'), dataIndex: 'at', render: (at: string) => formatInstant(at, locale) },
                { title: t('actor'), key: 'actor', render: (_, entry) => entry.actor.name },
                { title: t('action'), dataIndex: 'action' },
                { title: t('entity'), dataIndex: 'entity' },
                { title: t('id'), dataIndex: 'entityId', render: (id: string) => <code>{id}</code> },
              ]}
            />
            <Space>
              <Button disabled={cursors.length <= 1} onClick={restart}>
                {t('first')}
              </Button>
              <Button
                disabled={!audit.data!.nextCursor}
                onClick={() => setCursors((stack) => [...stack, audit.data!.nextCursor ?? undefined])}
              >
                {t('next')}
              </Button>
            </Space>
          </>
        )}
      </QueryState>
    </Space>
  );
}
