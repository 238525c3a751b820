import { Card, Col, List, Row, Space, Statistic, Typography } from 'antd';
import { Link } from 'react-router';
import { useOpsStatus, useRuns, useSegments, useTags } from '../api/queries';
import { ruleErrorsOf, scopeTagsOf, type RunView } from '../api/types';
import { useGrants } from '../auth/identity';
import { useSizesOfMany } from '../api/insights';
import { QueryState, RunProgress, RunStatus } from '../components/feedback';
import { Sparkline } from '../components/SizeTrend';
import { formatInstant } from '../format/format';
import { useI18n } from '../i18n/i18n';

// The 8 headline segments (fixed ids: campaign tools are configured with them).
export const HEADLINE_SEGMENTS = [
  'high_intent_loan_demand',
  'low_risk_customers',
  'repeat_borrowers',
  'instant_approval_offer',
  'credit_line_increase',
  'dormant_win_back',
  'early_warning_watchlist',
  'do_not_market',
];

// The most size series GET /v1/audiences/sizes gives in one request.
const MAX_TRENDS = 20;

export function Overview() {
  const { t, locale, tagName } = useI18n();
  const canReadTags = useGrants('tags:read');
  const canReadInsights = useGrants('insights:read');
  const segments = useSegments();
  const runs = useRuns(canReadTags, 50);
  const ops = useOpsStatus(canReadTags);
  // Names in both languages come from the catalog (GET /v1/segments has the English name only).
  const tags = useTags(canReadTags);
  const names = new Map((tags.data ?? []).map((tag) => [tag.id, tag]));

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('headlineSegments')}</Typography.Title>
      <QueryState query={segments}>
        {() => {
          const byId = new Map((segments.data ?? []).map((segment) => [segment.id, segment]));
          const headline = HEADLINE_SEGMENTS.map((id) => byId.get(id)).filter(
            (segment) => segment !== undefined,
          );
          const shown = headline.length > 0 ? headline : (segments.data ?? []);
          const trendIds = shown.slice(0, MAX_TRENDS).map((segment) => segment.id);
          return (
            <Row gutter={[16, 16]}>
              {shown.map((segment) => (
                <Col key={segment.id} xs={24} sm={12} lg={6}>
                  <Card size="small" data-testid={`segment-${segment.id}`}>
                    <Statistic
                      title={
                        <Link to={`/explorer/segment/${segment.id}`}>
                          {tagName(names.get(segment.id) ?? segment)}
                        </Link>
                      }
                      value={segment.size}
                      formatter={(value) => new Intl.NumberFormat(locale).format(Number(value))}
                    />
                    <Typography.Text type="secondary">
                      {t('lastChanged')}: {formatInstant(segment.lastChangedAt, locale)}
                    </Typography.Text>
                    {canReadInsights && trendIds.includes(segment.id) ? (
                      <SegmentTrend id={segment.id} ids={trendIds} />
                    ) : null}
                  </Card>
                </Col>
              ))}
            </Row>
          );
        }}
      </QueryState>
      {canReadInsights ? null : (
        <Typography.Text type="secondary" data-testid="trends-unavailable">
          {t('trendsNeedScope', { scope: 'insights:read' })}
        </Typography.Text>
      )}
      {canReadTags ? (
        <Row gutter={16}>
          <Col xs={24} lg={12}>
            <Card title={t('runsInProgress')} size="small">
              <QueryState query={runs}>{() => <LiveRuns runs={runs.data?.items ?? []} />}</QueryState>
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title={t('ruleErrors')} size="small">
              <QueryState query={runs}>{() => <RuleErrors runs={runs.data?.items ?? []} />}</QueryState>
            </Card>
          </Col>
        </Row>
      ) : null}
      {canReadTags ? (
        <Card title={t('freshness')} size="small">
          <QueryState query={ops}>{() => <OpsStatusView status={ops.data!} />}</QueryState>
        </Card>
      ) : null}
    </Space>
  );
}

// Today's entered / exited and the 30-day sparkline of one headline segment (daily points; the
// last one is today, still running). Every card asks the same query: one request for all of them.
function SegmentTrend({ id, ids }: { id: string; ids: readonly string[] }) {
  const { t, locale } = useI18n();
  const trends = useSizesOfMany(ids);
  if (trends.isError) return <Typography.Text type="danger">{t('trendFailed')}</Typography.Text>;
  const series = trends.data?.get(id);
  if (!series) return <div style={{ height: 66 }} />;
  const today = series.points[series.points.length - 1];
  const number = (value: number) => new Intl.NumberFormat(locale).format(value);
  return (
    <div data-testid={`trend-${id}`}>
      <Typography.Text type="secondary">
        {t('today')}: <span className="entered">+</span>
        <span data-testid={`today-entered-${id}`}>{number(today?.entered ?? 0)}</span> /{' '}
        <span className="exited">−</span>
        <span data-testid={`today-exited-${id}`}>{number(today?.exited ?? 0)}</span>
      </Typography.Text>
      <Sparkline series={series} label={t('sparkline30')} />
    </div>
  );
}

type OpsStatus = NonNullable<ReturnType<typeof useOpsStatus>['data']>;

function OpsStatusView({ status }: { status: OpsStatus }) {
  const { t, locale } = useI18n();
  const number = (value: number) => new Intl.NumberFormat(locale).format(value);
  const seconds = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const { evaluation, queues, runs } = status;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Row gutter={16}>
        <Col xs={12} lg={6}>
          <Statistic
            title={t('evaluationLag')}
            value={evaluation.lagSeconds}
            formatter={() => <span data-testid="ops-lag">{seconds.format(evaluation.lagSeconds)} s</span>}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Statistic
            title={t('pendingEvaluations')}
            value={evaluation.pending}
            formatter={() => (
              <span data-testid="ops-pending">
                {number(evaluation.pending)}
                {evaluation.pending >= evaluation.pendingCap ? '+' : ''}
              </span>
            )}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Statistic
            title={t('runsQueuedRunning')}
            value={runs.running}
            formatter={() => (
              <span data-testid="ops-runs">
                {number(runs.queued)} / {number(runs.running)}
              </span>
            )}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Typography.Text type="secondary">
            {t('readAt')}: {formatInstant(status.at, locale)}
          </Typography.Text>
        </Col>
      </Row>
      {queues ? (
        <List
          size="small"
          data-testid="queue-depth"
          dataSource={(['evaluation', 'runs', 'maintenance'] as const).map((queue) => ({
            queue,
            ...queues[queue],
          }))}
          renderItem={(row) => (
            <List.Item data-testid={`queue-${row.queue}`}>
              <Typography.Text strong>{t(`queue_${row.queue}`)}</Typography.Text>
              <Space size="large">
                {(['waiting', 'active', 'delayed', 'failed'] as const).map((state) => (
                  <span key={state}>
                    {t(`queue_${state}`)}:{' '}
                    <span data-testid={`queue-${row.queue}-${state}`}>{number(row[state])}</span>
                  </span>
                ))}
              </Space>
            </List.Item>
          )}
        />
      ) : (
        <Typography.Text type="warning">{t('queuesUnreachable')}</Typography.Text>
      )}
    </Space>
  );
}

function LiveRuns({ runs }: { runs: RunView[] }) {
  const { t, label } = useI18n();
  const live = runs.filter((run) => run.status === 'queued' || run.status === 'running');
  if (live.length === 0) return <Typography.Text type="secondary">{t('noRunsInProgress')}</Typography.Text>;
  return (
    <List
      dataSource={live}
      renderItem={(run) => (
        <List.Item>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Space>
              <Link to={`/runs/${run.id}`}>{label(run.kind)}</Link>
              <RunStatus status={run.status} />
              <Typography.Text type="secondary">{scopeTagsOf(run).join(', ')}</Typography.Text>
            </Space>
            <RunProgress run={run} />
          </Space>
        </List.Item>
      )}
    />
  );
}

function RuleErrors({ runs }: { runs: RunView[] }) {
  const { t, locale } = useI18n();
  const errors = runs.flatMap((run) =>
    Object.entries(ruleErrorsOf(run)).map(([tagId, entry]) => ({ run, tagId, entry })),
  );
  if (errors.length === 0) return <Typography.Text type="secondary">{t('noRuleErrors')}</Typography.Text>;
  return (
    <List
      size="small"
      dataSource={errors.slice(0, 10)}
      renderItem={({ run, tagId, entry }) => (
        <List.Item>
          <Link to={`/catalog/${tagId}`}>{tagId}</Link>: {new Intl.NumberFormat(locale).format(entry.count)}{' '}
          {entry.example ? <Typography.Text type="secondary">({entry.example})</Typography.Text> : null}{' '}
          <Link to={`/runs/${run.id}`}>{formatInstant(run.createdAt, locale)}</Link>
        </List.Item>
      )}
    />
  );
}
