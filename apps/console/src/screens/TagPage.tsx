import { Button, Card, Col, Descriptions, Row, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useDiff, useTag, useTags } from '../api/queries';
import type { TagSummary, TagVersionSummary } from '../api/types';
import { useGrants } from '../auth/identity';
import { DistributionView, TagSizeTrend } from '../components/DistributionView';
import { QueryState } from '../components/feedback';
import { Chart, type ChartOptionOf } from '../components/lazy';
import { JsonBlock, RuleView } from '../components/RuleView';
import { formatInstant, formatNumber, formatTagValue } from '../format/format';
import { useI18n } from '../i18n/i18n';
import { tagsRead } from '../rules/render-rule';

export default function TagPage() {
  const { id } = useParams<{ id: string }>();
  const { t, label, tagName, locale } = useI18n();
  const tag = useTag(id);
  const tags = useTags();
  const canReadInsights = useGrants('insights:read');
  const insightsNote = (
    <Typography.Text type="secondary">{t('needsScopeShort', { scope: 'insights:read' })}</Typography.Text>
  );

  return (
    <QueryState query={tag}>
      {() => {
        const detail = tag.data!;
        const active = detail.active;
        const words = { yes: t('yes'), no: t('no') };
        return (
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Typography.Title level={3}>
              {tagName(active ?? undefined, detail.id)} <code style={{ fontSize: 14 }}>{detail.id}</code>
            </Typography.Title>
            {active ? (
              <Descriptions size="small" bordered column={{ xs: 1, md: 3 }}>
                <Descriptions.Item label={t('kind')}>{label(active.kind)}</Descriptions.Item>
                <Descriptions.Item label={t('purpose')}>{label(active.purpose)}</Descriptions.Item>
                <Descriptions.Item label={t('category')}>{label(active.category)}</Descriptions.Item>
                <Descriptions.Item label={t('owner')}>{active.owner ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('version')}>{active.version}</Descriptions.Item>
                <Descriptions.Item label={t('activatedAt')}>
                  {formatInstant(active.activatedAt, locale)}
                </Descriptions.Item>
                <Descriptions.Item label={t('description')} span={3}>
                  {active.description ?? '—'}
                </Descriptions.Item>
              </Descriptions>
            ) : null}
            <Row gutter={16}>
              <Col xs={24} lg={14}>
                <Card size="small" title={t('ruleReadable')}>
                  {active ? (
                    <Tabs
                      items={[
                        {
                          key: 'readable',
                          label: t('ruleReadable'),
                          children: <RuleView rule={active.rule} />,
                        },
                        { key: 'json', label: t('ruleJson'), children: <JsonBlock value={active.rule} /> },
                      ]}
                    />
                  ) : (
                    '—'
                  )}
                </Card>
              </Col>
              <Col xs={24} lg={10}>
                <Card size="small" title={t('coverage')}>
                  <Typography.Paragraph data-testid="coverage">
                    {formatNumber(detail.customers, locale)} {t('customers')}
                  </Typography.Paragraph>
                  <Typography.Paragraph>
                    {t('ruleErrors')}: {formatNumber(detail.errorCount, locale)}
                    {detail.lastRunId ? (
                      <>
                        {' '}
                        (<Link to={`/runs/${detail.lastRunId}`}>{t('navRuns')}</Link>)
                      </>
                    ) : null}
                  </Typography.Paragraph>
                  {/* A boolean tag's or segment's distribution is its coverage above. */}
                  {active?.kind !== 'category' && active?.kind !== 'number' ? null : canReadInsights ? (
                    <DistributionView tagId={detail.id} />
                  ) : (
                    insightsNote
                  )}
                </Card>
              </Col>
            </Row>
            <Card
              size="small"
              title={
                <span data-testid="examples-summary">
                  {t('examples')}:{' '}
                  {t('examplesPassing', {
                    passed: String(detail.examples.filter((example) => example.passed).length),
                    total: String(detail.examples.length),
                  })}
                </span>
              }
            >
              <Table
                size="small"
                rowKey="index"
                pagination={false}
                data-testid="examples"
                dataSource={detail.examples}
                columns={[
                  { title: t('name'), dataIndex: 'name' },
                  {
                    title: t('expected'),
                    dataIndex: 'expected',
                    render: (value: unknown) => formatTagValue(value, locale, words),
                  },
                  {
                    title: t('actualNow'),
                    key: 'actual',
                    render: (_, example) =>
                      example.error !== undefined ? (
                        <Typography.Text type="danger">{example.error}</Typography.Text>
                      ) : (
                        formatTagValue(example.actual, locale, words)
                      ),
                  },
                  {
                    title: t('exampleResult'),
                    key: 'passed',
                    render: (_, example) =>
                      example.passed ? (
                        <Tag color="success">{t('passed')}</Tag>
                      ) : (
                        <Tag color="error">{t('failed')}</Tag>
                      ),
                  },
                ]}
              />
            </Card>
            <Versions tagId={detail.id} versions={detail.versions} />
            <Card size="small" title={t('dependencies')}>
              {active ? (
                <DependencyGraph tagId={detail.id} rule={active.rule} catalog={tags.data ?? []} />
              ) : (
                '—'
              )}
            </Card>
            <Card size="small" title={t('sizeOverTime')}>
              {!canReadInsights ? (
                insightsNote
              ) : active ? (
                <TagSizeTrend tagId={detail.id} kind={active.kind} />
              ) : (
                '—'
              )}
            </Card>
          </Space>
        );
      }}
    </QueryState>
  );
}

function Versions({ tagId, versions }: { tagId: string; versions: TagVersionSummary[] }) {
  const { t, label, locale } = useI18n();
  const [open, setOpen] = useState<number | undefined>(undefined);
  return (
    <Card size="small" title={t('versions')}>
      <Table<TagVersionSummary>
        size="small"
        rowKey="version"
        pagination={false}
        dataSource={[...versions].sort((a, b) => b.version - a.version)}
        columns={[
          { title: t('version'), dataIndex: 'version', width: 80 },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (status: string) => (
              <Tag color={status === 'active' ? 'green' : status === 'draft' ? 'gold' : 'default'}>
                {label(status)}
              </Tag>
            ),
          },
          { title: t('createdBy'), dataIndex: 'createdBy' },
          {
            title: t('createdAt'),
            dataIndex: 'createdAt',
            render: (value: string) => formatInstant(value, locale),
          },
          {
            title: t('activatedAt'),
            dataIndex: 'activatedAt',
            render: (value: string | null) => formatInstant(value, locale),
          },
          {
            title: t('diff'),
            key: 'diff',
            render: (_, row) => (
              <Space>
                <Button size="small" onClick={() => setOpen(open === row.version ? undefined : row.version)}>
                  {t('diff')}
                </Button>
                {row.status === 'draft' ? (
                  <Link to={`/review/${tagId}/${row.version}`}>{t('review')}</Link>
                ) : null}
              </Space>
            ),
          },
        ]}
        expandable={{
          expandedRowKeys: open === undefined ? [] : [open],
          showExpandColumn: false,
          expandedRowRender: (row) => <VersionDiffView tagId={tagId} version={row.version} />,
        }}
      />
    </Card>
  );
}

export function VersionDiffView({ tagId, version }: { tagId: string; version: number }) {
  const { t, label } = useI18n();
  const diff = useDiff(tagId, version);
  return (
    <QueryState query={diff}>
      {() => {
        const data = diff.data!;
        return (
          <Space orientation="vertical" style={{ width: '100%' }} data-testid="diff">
            <Space>
              <Typography.Text strong>{t('approval')}:</Typography.Text>
              {data.approvedBy ? (
                <Tag color="green">{t('approvedBy', { name: data.approvedBy })}</Tag>
              ) : data.status === 'draft' ? (
                <Tag color="gold">{t('awaitingApproval')}</Tag>
              ) : (
                <Tag>{label(data.status)}</Tag>
              )}
              <Typography.Text type="secondary">
                {data.against
                  ? t('diffAgainst', { version: data.against.version, status: label(data.against.status) })
                  : t('noBase')}
              </Typography.Text>
            </Space>
            <Row gutter={16}>
              <Col xs={24} md={12}>
                <Typography.Text strong>{t('before')}</Typography.Text>
                {data.before ? <RuleView rule={data.before.rule} /> : <p>—</p>}
              </Col>
              <Col xs={24} md={12}>
                <Typography.Text strong>{t('after')}</Typography.Text>
                <RuleView rule={data.after.rule} />
              </Col>
            </Row>
            <Table
              size="small"
              rowKey={(row) => `${row.op}${row.path}`}
              pagination={false}
              dataSource={data.changes}
              columns={[
                { title: 'op', dataIndex: 'op', width: 90 },
                { title: 'path', dataIndex: 'path', render: (path: string) => <code>{path}</code> },
                {
                  title: t('value'),
                  dataIndex: 'value',
                  render: (value: unknown) => <code>{JSON.stringify(value)}</code>,
                },
              ]}
            />
          </Space>
        );
      }}
    </QueryState>
  );
}

// The tags this one reads and the tags and segments that read it, as a small graph.
function DependencyGraph({ tagId, rule, catalog }: { tagId: string; rule: unknown; catalog: TagSummary[] }) {
  const { t, tagName } = useI18n();
  const byId = useMemo(() => new Map(catalog.map((tag) => [tag.id, tag])), [catalog]);
  const reads = tagsRead(rule);
  const readBy = catalog.filter((tag) => tag.dependsOnTags?.includes(tagId)).map((tag) => tag.id);
  const option: ChartOptionOf = useMemo(() => {
    const node = (id: string, x: number, y: number, color: string) => ({
      id,
      name: tagName(byId.get(id), id),
      x,
      y,
      itemStyle: { color },
      symbolSize: id === tagId ? 46 : 30,
    });
    const column = (ids: string[], x: number, color: string) =>
      ids.map((id, index) => node(id, x, (index - (ids.length - 1) / 2) * 60, color));
    return {
      tooltip: {},
      series: [
        {
          type: 'graph',
          layout: 'none',
          roam: true,
          label: { show: true, position: 'bottom', fontSize: 11 },
          edgeSymbol: ['none', 'arrow'],
          data: [
            ...column(reads, 0, '#8c8c8c'),
            node(tagId, 300, 0, '#1d5fbf'),
            ...column(readBy, 600, '#fa8c16'),
          ],
          links: [
            ...reads.map((source) => ({ source, target: tagId })),
            ...readBy.map((target) => ({ source: tagId, target })),
          ],
        },
      ],
    };
  }, [byId, reads.join(), readBy.join(), tagId, tagName]);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Text>
        {t('readsTags')}:{' '}
        {reads.length
          ? reads.map((id) => (
              <Link key={id} to={`/catalog/${id}`}>
                {tagName(byId.get(id), id)}{' '}
              </Link>
            ))
          : t('none')}
      </Typography.Text>
      <Typography.Text>
        {t('readBy')}:{' '}
        {readBy.length
          ? readBy.map((id) => (
              <Link key={id} to={`/catalog/${id}`}>
                {tagName(byId.get(id), id)}{' '}
              </Link>
            ))
          : t('none')}
      </Typography.Text>
      {reads.length + readBy.length > 0 ? (
        <Chart
          option={option}
          height={Math.max(200, 60 * Math.max(reads.length, readBy.length) + 80)}
          label={t('dependencies')}
        />
      ) : null}
    </Space>
  );
}
