import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Table,
  Typography,
} from 'antd';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/errors';
import {
  useCampaign,
  useCampaignReport,
  useCampaigns,
  useCreateCampaign,
  useRecordOutcomes,
} from '../api/insights';
import { useTags } from '../api/queries';
import type { Campaign, CampaignReport, Channel, OutcomeBatchReport, OutcomeLineResult } from '../api/types';
import { useGrants } from '../auth/identity';
import { formatInterval, formatLift, formatPoints, formatPValue, formatRate } from '../campaigns/format';
import { outcomeLines } from '../campaigns/outcomes';
import { outcomeRows, type OutcomeRow } from '../campaigns/report';
import { ErrorAlert, QueryState } from '../components/feedback';
import { Chart, type ChartOptionOf } from '../components/lazy';
import { formatInstant, formatNumber } from '../format/format';
import { useI18n } from '../i18n/i18n';

const CHANNELS: Channel[] = ['sms', 'app', 'wechat', 'phone', 'email', 'branch'];

// Campaigns with a control group: the list, a new one frozen from a segment or boolean tag, its
// outcomes uploaded as CSV or NDJSON, and its report (rates with Wilson intervals, the lift with
// Newcombe's interval) as a table and a chart.
export default function Campaigns() {
  const { id } = useParams<{ id: string }>();
  const { t } = useI18n();
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('campaignsTitle')}</Typography.Title>
      {id ? <CampaignDetail key={id} id={id} /> : <CampaignList />}
    </Space>
  );
}

function CampaignList() {
  const { t, locale, label } = useI18n();
  const campaigns = useCampaigns();
  const canCreate = useGrants('campaigns:write');
  return (
    <>
      {canCreate ? (
        <NewCampaignForm />
      ) : (
        <Alert type="info" showIcon title={t('needsScopeShort', { scope: 'campaigns:write' })} />
      )}
      <Card size="small" title={t('campaigns')}>
        <QueryState query={campaigns}>
          {() => (
            <Table<Campaign>
              size="small"
              rowKey="id"
              pagination={false}
              data-testid="campaigns"
              dataSource={campaigns.data!.items}
              columns={[
                {
                  title: t('id'),
                  dataIndex: 'id',
                  render: (id: string) => <Link to={`/campaigns/${encodeURIComponent(id)}`}>{id}</Link>,
                },
                { title: t('name'), dataIndex: 'name' },
                { title: t('audience'), dataIndex: 'audience' },
                { title: t('channel'), dataIndex: 'channel', render: (channel: string) => label(channel) },
                {
                  title: t('members'),
                  dataIndex: 'members',
                  align: 'right',
                  render: (value: number) => formatNumber(value, locale),
                },
                {
                  title: t('targetControl'),
                  key: 'groups',
                  align: 'right',
                  render: (_, campaign) =>
                    `${formatNumber(campaign.groups.target, locale)} / ${formatNumber(campaign.groups.control, locale)}`,
                },
                {
                  title: t('frozenAt'),
                  dataIndex: 'frozenAt',
                  render: (value: string) => formatInstant(value, locale),
                },
              ]}
            />
          )}
        </QueryState>
      </Card>
    </>
  );
}

interface NewCampaignFields {
  id: string;
  name: string;
  audience: string;
  channel: Channel;
  holdoutPercent: number;
}

function NewCampaignForm() {
  const { t, label, tagName } = useI18n();
  const tags = useTags();
  const create = useCreateCampaign();
  const navigate = useNavigate();
  const [form] = Form.useForm<NewCampaignFields>();
  const audiences = (tags.data ?? []).filter((tag) => tag.kind === 'segment' || tag.kind === 'boolean');
  return (
    <Card size="small" title={t('newCampaign')}>
      <Form<NewCampaignFields>
        form={form}
        layout="inline"
        initialValues={{ channel: 'app', holdoutPercent: 10 }}
        onFinish={(values) =>
          create.mutate(values, {
            onSuccess: (campaign) => void navigate(`/campaigns/${encodeURIComponent(campaign.id)}`),
          })
        }
        style={{ rowGap: 12 }}
      >
        <Form.Item name="id" label={t('campaignId')} rules={[{ required: true, message: t('required') }]}>
          <Input style={{ width: 200 }} placeholder="loan-push-2026-12" />
        </Form.Item>
        <Form.Item name="name" label={t('name')} rules={[{ required: true, message: t('required') }]}>
          <Input style={{ width: 240 }} />
        </Form.Item>
        <Form.Item name="audience" label={t('audience')} rules={[{ required: true, message: t('required') }]}>
          <Select
            showSearch
            style={{ width: 300 }}
            optionFilterProp="label"
            options={[
              { value: '*', label: t('everyoneAudience') },
              ...audiences.map((tag) => ({ value: tag.id, label: `${tagName(tag)} (${tag.id})` })),
            ]}
          />
        </Form.Item>
        <Form.Item name="channel" label={t('channel')}>
          <Select
            style={{ width: 120 }}
            options={CHANNELS.map((channel) => ({ value: channel, label: label(channel) }))}
          />
        </Form.Item>
        <Form.Item name="holdoutPercent" label={t('holdoutPercent')}>
          <InputNumber min={0} max={50} step={1} precision={2} style={{ width: 100 }} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('createCampaign')}
          </Button>
        </Form.Item>
      </Form>
      {create.isError ? <ErrorAlert error={create.error} /> : null}
    </Card>
  );
}

function CampaignDetail({ id }: { id: string }) {
  const { t, locale, label } = useI18n();
  const campaign = useCampaign(id);
  const canUpload = useGrants('profiles:write');
  return (
    <QueryState query={campaign}>
      {() => {
        const data = campaign.data!;
        return (
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Link to="/campaigns">← {t('campaigns')}</Link>
            <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} data-testid="campaign">
              <Descriptions.Item label={t('id')}>{data.id}</Descriptions.Item>
              <Descriptions.Item label={t('name')}>{data.name}</Descriptions.Item>
              <Descriptions.Item label={t('audience')}>
                {data.audience}
                {data.audienceVersion !== null ? ` v${data.audienceVersion}` : ''}
              </Descriptions.Item>
              <Descriptions.Item label={t('channel')}>{label(data.channel)}</Descriptions.Item>
              <Descriptions.Item label={t('holdoutPercent')}>
                {formatNumber(data.holdoutPercent, locale)} %
              </Descriptions.Item>
              <Descriptions.Item label={t('frozenAt')}>
                {formatInstant(data.frozenAt, locale)}
              </Descriptions.Item>
              <Descriptions.Item label={t('targetGroup')}>
                <span data-testid="group-target">{formatNumber(data.groups.target, locale)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('controlGroup')}>
                <span data-testid="group-control">{formatNumber(data.groups.control, locale)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('createdBy')}>{data.createdBy}</Descriptions.Item>
            </Descriptions>
            {canUpload ? (
              <OutcomeUpload campaignId={data.id} />
            ) : (
              <Alert type="info" showIcon title={t('needsScopeShort', { scope: 'profiles:write' })} />
            )}
            <ReportView campaignId={data.id} />
          </Space>
        );
      }}
    </QueryState>
  );
}

function OutcomeUpload({ campaignId }: { campaignId: string }) {
  const { t, locale } = useI18n();
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<{ line: number; message: string }[]>([]);
  const record = useRecordOutcomes(campaignId);
  const failedLines = (result: OutcomeBatchReport | undefined, error: unknown): OutcomeLineResult[] => {
    if (result) return result.results.filter((line) => line.status === 'error');
    return error instanceof ApiError && Array.isArray(error.details)
      ? (error.details as OutcomeLineResult[])
      : [];
  };
  const failures = failedLines(record.data, record.error);
  return (
    <Card size="small" title={t('uploadOutcomes')}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('outcomesHelp')}</Typography.Text>
        <input
          type="file"
          aria-label={t('outcomesFile')}
          accept=".csv,.ndjson,.jsonl,.txt,text/csv,application/x-ndjson"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void file.text().then(setText);
          }}
        />
        <Input.TextArea
          aria-label={t('outcomesText')}
          rows={6}
          value={text}
          placeholder={'customer_id,outcome,at,amount\nC0000042,converted,2026-12-02T10:00:00Z,50000'}
          onChange={(event) => setText(event.target.value)}
          style={{ fontFamily: 'monospace' }}
        />
        <Button
          type="primary"
          disabled={text.trim() === ''}
          loading={record.isPending}
          onClick={() => {
            const converted = outcomeLines(text);
            setProblems(converted.problems);
            if (converted.problems.length === 0 && converted.lines > 0) record.mutate(converted.ndjson);
          }}
        >
          {t('recordOutcomes')}
        </Button>
        {problems.length > 0 ? (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={t('outcomesNotSent')}
            description={
              <ul className="problems">
                {problems.map((problem) => (
                  <li key={problem.line}>
                    {t('lineN', { n: problem.line })}: {problem.message}
                  </li>
                ))}
              </ul>
            }
          />
        ) : null}
        {record.isError ? <ErrorAlert error={record.error} /> : null}
        {record.data ? (
          <Alert
            type={record.data.failed > 0 ? 'warning' : 'success'}
            showIcon
            data-testid="outcomes-recorded"
            title={t('outcomesRecorded', {
              ok: formatNumber(record.data.ok, locale),
              failed: formatNumber(record.data.failed, locale),
              lines: formatNumber(record.data.lines, locale),
            })}
          />
        ) : null}
        {failures.length > 0 ? (
          <ul className="problems" data-testid="outcome-failures">
            {failures.slice(0, 20).map((line) => (
              <li key={line.line}>
                {t('lineN', { n: line.line })}: {String(line.error?.message ?? line.status)}
              </li>
            ))}
          </ul>
        ) : null}
      </Space>
    </Card>
  );
}

function ReportView({ campaignId }: { campaignId: string }) {
  const { t } = useI18n();
  const report = useCampaignReport(campaignId, undefined);
  return (
    <Card size="small" title={t('campaignReport')}>
      <QueryState query={report}>{() => <ReportBody report={report.data!} />}</QueryState>
    </Card>
  );
}

// One error bar per [x, low, high], drawn over the bars of the same category.
function errorBars(data: [number, number | null, number | null][]) {
  return {
    type: 'custom',
    name: 'interval',
    silent: true,
    // Over the bars, and counted in the value axis's extent (both bounds).
    z: 10,
    encode: { x: 0, y: [1, 2] },
    data: data.filter(([, low, high]) => low !== null && high !== null),
    renderItem: (
      _params: unknown,
      api: {
        value: (dimension: number) => number;
        coord: (point: [number, number]) => [number, number];
        size: (value: [number, number]) => [number, number];
      },
    ) => {
      const x = api.value(0);
      const low = api.coord([x, api.value(1)]);
      const high = api.coord([x, api.value(2)]);
      const half = api.size([1, 0])[0] * 0.12;
      const style = { stroke: '#262626', lineWidth: 1.5 };
      return {
        type: 'group',
        children: [
          {
            type: 'line',
            shape: { x1: high[0] - half, y1: high[1], x2: high[0] + half, y2: high[1] },
            style,
          },
          { type: 'line', shape: { x1: high[0], y1: high[1], x2: low[0], y2: low[1] }, style },
          { type: 'line', shape: { x1: low[0] - half, y1: low[1], x2: low[0] + half, y2: low[1] }, style },
        ],
      };
    },
  };
}

const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? null : Math.round(value * 10000) / 100;

function ReportBody({ report }: { report: CampaignReport }) {
  const { t, locale, label } = useI18n();
  const rows = useMemo(() => outcomeRows(report.total), [report]);
  const ratesOption: ChartOptionOf = useMemo(() => {
    const categories = rows.flatMap((row) => [
      `${label(row.outcome)} · ${t('targetGroup')}`,
      `${label(row.outcome)} · ${t('controlGroup')}`,
    ]);
    const sides = rows.flatMap((row) => [row.target, row.control]);
    return {
      tooltip: { trigger: 'item' },
      grid: { left: 56, right: 16, top: 24, bottom: 70 },
      xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: 'value', name: '%' },
      series: [
        {
          type: 'bar',
          name: t('rate'),
          data: sides.map((side, index) => ({
            value: pct(side?.rate),
            itemStyle: { color: index % 2 === 0 ? '#1d5fbf' : '#8c8c8c' },
          })),
        },
        errorBars(sides.map((side, index) => [index, pct(side?.interval?.low), pct(side?.interval?.high)])),
      ],
    };
  }, [rows, label, t]);
  const liftOption: ChartOptionOf = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      grid: { left: 56, right: 16, top: 24, bottom: 40 },
      xAxis: { type: 'category', data: rows.map((row) => label(row.outcome)) },
      yAxis: { type: 'value', name: 'pp' },
      series: [
        {
          type: 'bar',
          name: t('difference'),
          data: rows.map((row) => pct(row.lift.difference)),
          itemStyle: { color: '#52c41a' },
          markLine: { symbol: 'none', data: [{ yAxis: 0 }], lineStyle: { color: '#8c8c8c' } },
        },
        errorBars(
          rows.map((row, index) => [
            index,
            pct(row.lift.differenceInterval?.low),
            pct(row.lift.differenceInterval?.high),
          ]),
        ),
      ],
    }),
    [rows, label, t],
  );
  if (rows.length === 0) return <Typography.Text type="secondary">{t('noOutcomesYet')}</Typography.Text>;
  const rateCell = (side: OutcomeRow['target'] | null) =>
    side ? (
      <>
        {formatRate(side.rate, locale)}{' '}
        <Typography.Text type="secondary">
          ({formatNumber(side.count, locale)} / {formatNumber(side.members, locale)};{' '}
          {formatInterval(side.interval, formatRate, locale)})
        </Typography.Text>
      </>
    ) : (
      '—'
    );
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Table<OutcomeRow>
        size="small"
        rowKey="outcome"
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="campaign-report"
        dataSource={rows}
        columns={[
          { title: t('outcome'), dataIndex: 'outcome', render: (outcome: string) => label(outcome) },
          { title: t('targetGroup'), key: 'target', render: (_, row) => rateCell(row.target) },
          { title: t('controlGroup'), key: 'control', render: (_, row) => rateCell(row.control) },
          {
            title: t('difference'),
            key: 'difference',
            render: (_, row) => (
              <>
                <span data-testid={`difference-${row.outcome}`}>
                  {formatPoints(row.lift.difference, locale)}
                </span>{' '}
                <Typography.Text type="secondary">
                  ({formatInterval(row.lift.differenceInterval, formatPoints, locale)})
                </Typography.Text>
              </>
            ),
          },
          {
            title: t('relativeLift'),
            key: 'lift',
            render: (_, row) => (
              <>
                <span data-testid={`lift-${row.outcome}`}>{formatLift(row.lift.relativeLift, locale)}</span>{' '}
                <Typography.Text type="secondary">
                  ({formatInterval(row.lift.relativeLiftInterval, formatLift, locale)})
                </Typography.Text>
              </>
            ),
          },
          { title: 'p', key: 'p', render: (_, row) => formatPValue(row.lift.pValue, locale) },
        ]}
      />
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Typography.Text strong>{t('ratesWithIntervals')}</Typography.Text>
          <Chart option={ratesOption} height={280} label={t('ratesWithIntervals')} />
        </Col>
        <Col xs={24} lg={10}>
          <Typography.Text strong>{t('differenceWithInterval')}</Typography.Text>
          <Chart option={liftOption} height={280} label={t('differenceWithInterval')} />
        </Col>
      </Row>
    </Space>
  );
}
