import { Card, Space, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { useSandboxCustomers, useTags } from '../api/queries';
import { errorCountOf, type SandboxRun, type SandboxTagStats } from '../api/types';
import { formatNumber, formatTagValue } from '../format/format';
import { useI18n } from '../i18n/i18n';
import { QueryState, RunProgress, RunStatus } from './feedback';

// What a draft would do: counts per draft, the segments it moves, and the customers who would
// enter or leave, each with the explanation of their new value.
export function SandboxResult({ run }: { run: SandboxRun }) {
  const { t, locale, tagName } = useI18n();
  const tags = useTags();
  const index = new Map((tags.data ?? []).map((tag) => [tag.id, tag]));
  const number = (value: number) => formatNumber(value, locale);
  const finished = run.status === 'succeeded';
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="sandbox-result">
      <Space>
        <RunStatus status={run.status} />
        <Typography.Text type="secondary">{run.id}</Typography.Text>
      </Space>
      <RunProgress run={run} />
      <Table<SandboxTagStats>
        size="small"
        rowKey="tagId"
        pagination={false}
        dataSource={[...run.tags, ...run.otherDependents]}
        columns={[
          { title: t('name'), key: 'name', render: (_, row) => tagName(index.get(row.tagId), row.tagId) },
          { title: t('setNow'), dataIndex: 'setBefore', render: number },
          { title: t('setWithDraft'), dataIndex: 'set', render: number },
          {
            title: t('entered'),
            dataIndex: 'entered',
            render: (value: number) => (
              <span data-testid={`entered-${run.tags[0]?.tagId}`}>{number(value)}</span>
            ),
          },
          {
            title: t('left'),
            dataIndex: 'left',
            render: (value: number) => (
              <span data-testid={`left-${run.tags[0]?.tagId}`}>{number(value)}</span>
            ),
          },
          { title: t('changed'), dataIndex: 'changed', render: number },
          {
            title: t('ruleErrors'),
            key: 'errors',
            render: (_, row) => number(errorCountOf(row)?.count ?? 0),
          },
        ]}
      />
      <Card size="small" title={t('segmentKnockOn')}>
        <Table
          size="small"
          rowKey="segmentId"
          pagination={false}
          dataSource={run.segments}
          columns={[
            {
              title: t('name'),
              dataIndex: 'segmentId',
              render: (id: string) => <Link to={`/catalog/${id}`}>{tagName(index.get(id), id)}</Link>,
            },
            { title: t('sizeNow'), dataIndex: 'sizeNow', render: number },
            { title: t('sizeWithDraft'), dataIndex: 'sizeWithDraft', render: number },
            { title: t('entered'), dataIndex: 'entered', render: number },
            { title: t('left'), dataIndex: 'left', render: number },
          ]}
        />
      </Card>
      {finished ? <AffectedCustomers run={run} /> : null}
    </Space>
  );
}

function AffectedCustomers({ run }: { run: SandboxRun }) {
  const { t } = useI18n();
  const [change, setChange] = useState<'entered' | 'left' | 'changed'>('entered');
  return (
    <Card size="small" title={t('customersAffected')}>
      <Tabs
        activeKey={change}
        onChange={(key) => setChange(key as typeof change)}
        items={(['entered', 'left', 'changed'] as const).map((key) => ({
          key,
          label: t(key),
          children: <CustomersOf run={run} change={key} active={change === key} />,
        }))}
      />
    </Card>
  );
}

function CustomersOf({
  run,
  change,
  active,
}: {
  run: SandboxRun;
  change: 'entered' | 'left' | 'changed';
  active: boolean;
}) {
  const { t, locale } = useI18n();
  const customers = useSandboxCustomers(run.id, change, run.tags[0]?.tagId, active);
  const words = { yes: t('yes'), no: t('no') };
  return (
    <QueryState query={customers}>
      {() => (
        <Table
          size="small"
          rowKey="customerId"
          pagination={false}
          dataSource={customers.data?.items ?? []}
          columns={[
            {
              title: t('customerLookup'),
              dataIndex: 'customerId',
              render: (id: string) => <Link to={`/customers/${id}`}>{id}</Link>,
            },
            {
              title: t('before'),
              dataIndex: 'before',
              render: (value: unknown) => formatTagValue(value, locale, words),
            },
            {
              title: t('after'),
              dataIndex: 'after',
              render: (value: unknown) => formatTagValue(value, locale, words),
            },
            {
              title: t('explanation'),
              dataIndex: 'account',
              render: (account: string) => <small>{account}</small>,
            },
          ]}
        />
      )}
    </QueryState>
  );
}
