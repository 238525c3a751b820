import { Alert, Button, Card, Descriptions, Space, Table, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useRun } from '../api/queries';
import { ruleErrorsOf, runTagsOf, type RunView } from '../api/types';
import { QueryState, RunProgress, RunStatus } from '../components/feedback';
import { formatInstant, formatNumber } from '../format/format';
import { useI18n } from '../i18n/i18n';

const PAGE_SIZE = 25;

export default function Runs() {
  const { id } = useParams<{ id: string }>();
  const { t, label, locale } = useI18n();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const runs = useQuery({
    queryKey: ['runs-page', cursor],
    queryFn: () =>
      unwrap(
        api.GET('/v1/runs', {
          params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => run.status === 'queued' || run.status === 'running')
        ? 1000
        : false,
  });

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('runsTitle')}</Typography.Title>
      {id ? <RunDetail id={id} /> : null}
      <QueryState query={runs}>
        {() => (
          <>
            <Table<RunView>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={runs.data!.items}
              columns={[
                {
                  title: t('kind'),
                  dataIndex: 'kind',
                  render: (kind: string, run) => <Link to={`/runs/${run.id}`}>{label(kind)}</Link>,
                },
                {
                  title: t('status'),
                  dataIndex: 'status',
                  render: (status: string) => <RunStatus status={status} />,
                },
                {
                  title: t('progress'),
                  key: 'progress',
                  width: 220,
                  render: (_, run) => <RunProgress run={run} />,
                },
                {
                  title: t('tags'),
                  key: 'tags',
                  render: (_, run) => <small>{runTagsOf(run).slice(0, 4).join(', ')}</small>,
                },
                {
                  title: t('changed'),
                  dataIndex: 'changed',
                  render: (value: number) => formatNumber(value, locale),
                },
                { title: t('createdBy'), dataIndex: 'createdBy' },
                {
                  title: t('createdAt'),
                  dataIndex: 'createdAt',
                  render: (value: string) => formatInstant(value, locale),
                },
                {
                  title: t('finished'),
                  dataIndex: 'finishedAt',
                  render: (value: string | null) => formatInstant(value, locale),
                },
                {
                  title: t('errorText'),
                  dataIndex: 'error',
                  render: (error: string | null) =>
                    error ? <Typography.Text type="danger">{error}</Typography.Text> : null,
                },
              ]}
            />
            <Space>
              <Button disabled={cursors.length <= 1} onClick={() => setCursors([undefined])}>
                {t('first')}
              </Button>
              <Button
                disabled={!runs.data!.nextCursor}
                onClick={() => setCursors((stack) => [...stack, runs.data!.nextCursor ?? undefined])}
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

function RunDetail({ id }: { id: string }) {
  const { t, label, locale } = useI18n();
  const run = useRun(id);
  return (
    <Card size="small" title={id}>
      <QueryState query={run}>
        {() => {
          const data = run.data!;
          return (
            <Space orientation="vertical" style={{ width: '100%' }} data-testid="run-detail">
              <Descriptions size="small" column={{ xs: 1, md: 3 }}>
                <Descriptions.Item label={t('kind')}>{label(data.kind)}</Descriptions.Item>
                <Descriptions.Item label={t('status')}>
                  <RunStatus status={data.status} />
                </Descriptions.Item>
                <Descriptions.Item label={t('createdBy')}>{data.createdBy}</Descriptions.Item>
                <Descriptions.Item label={t('started')}>
                  {formatInstant(data.startedAt, locale)}
                </Descriptions.Item>
                <Descriptions.Item label={t('finished')}>
                  {formatInstant(data.finishedAt, locale)}
                </Descriptions.Item>
                <Descriptions.Item label={t('changed')}>
                  {formatNumber(data.changed, locale)}
                </Descriptions.Item>
              </Descriptions>
              <RunProgress run={data} />
              {data.error ? <Alert type="error" showIcon title={data.error} /> : null}
              {Object.keys(data.ruleErrors ?? {}).length > 0 ? (
                <Table
                  size="small"
                  rowKey="tagId"
                  pagination={false}
                  dataSource={Object.entries(ruleErrorsOf(data)).map(([tagId, entry]) => ({
                    tagId,
                    ...entry,
                  }))}
                  columns={[
                    {
                      title: t('tags'),
                      dataIndex: 'tagId',
                      render: (tagId: string) => <Link to={`/catalog/${tagId}`}>{tagId}</Link>,
                    },
                    {
                      title: t('ruleErrors'),
                      dataIndex: 'count',
                      render: (value: number) => formatNumber(value, locale),
                    },
                    { title: '', dataIndex: 'example' },
                  ]}
                />
              ) : null}
            </Space>
          );
        }}
      </QueryState>
    </Card>
  );
}
