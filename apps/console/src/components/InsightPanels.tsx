import { Select, Space, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useBreakdown, useOverlap } from '../api/insights';
import { useTags } from '../api/queries';
import type { Breakdown, BreakdownRow, Overlap, TagSummary } from '../api/types';
import { formatNumber, formatPercent } from '../format/format';
import { useI18n } from '../i18n/i18n';
import { heatCells, jaccardScaleMax } from '../insights/heatmap';
import { QueryState } from './feedback';
import { Chart, type ChartOptionOf } from './lazy';

const MAX_OVERLAP = 20;

// A segment, a boolean tag, or a tag's value written as the API reads it (risk_grade=A, score=600..).
function audienceOptions(tags: TagSummary[], tagName: (tag: TagSummary) => string) {
  return tags
    .filter((tag) => tag.kind === 'segment' || tag.kind === 'boolean')
    .map((tag) => ({ value: tag.id, label: `${tagName(tag)} (${tag.id})` }));
}

// The overlap heat-map of chosen audiences (POST /v1/insights/overlap): colour is Jaccard, each cell
// names the customers in both; the same numbers as a table beneath, for reading and for a screen reader.
export function OverlapPanel({ initial }: { initial: string[] }) {
  const { t, tagName } = useI18n();
  const tags = useTags();
  const [chosen, setChosen] = useState<string[]>(initial);
  const overlap = useOverlap(chosen);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Select
        mode="tags"
        aria-label={t('overlapAudiences')}
        data-testid="overlap-audiences"
        placeholder={t('overlapAudiences')}
        style={{ width: '100%' }}
        value={chosen}
        maxCount={MAX_OVERLAP}
        optionFilterProp="label"
        onChange={(values: string[]) => setChosen(values)}
        options={audienceOptions(tags.data ?? [], (tag) => tagName(tag))}
      />
      <Typography.Text type="secondary">{t('overlapHelp')}</Typography.Text>
      {chosen.length === 0 ? null : (
        <QueryState query={overlap}>{() => <OverlapView overlap={overlap.data!} />}</QueryState>
      )}
    </Space>
  );
}

function OverlapView({ overlap }: { overlap: Overlap }) {
  const { t, locale, tagName } = useI18n();
  const tags = useTags();
  const byId = useMemo(() => new Map((tags.data ?? []).map((tag) => [tag.id, tag])), [tags.data]);
  const names = overlap.audiences.map((audience) =>
    audience.label === audience.id ? tagName(byId.get(audience.id), audience.id) : audience.label,
  );
  const option: ChartOptionOf = useMemo(() => {
    const number = new Intl.NumberFormat(locale);
    const share = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    return {
      tooltip: {
        formatter: (params: { value: [number, number, number, number] }) => {
          const [x, y, jaccard, both] = params.value;
          return `${names[y]} ∩ ${names[x]}<br/>${t('inBoth')}: ${number.format(both)}<br/>Jaccard: ${share.format(jaccard)}`;
        },
      },
      grid: { left: 150, right: 24, top: 16, bottom: 90 },
      xAxis: {
        type: 'category',
        data: names,
        axisLabel: { interval: 0, rotate: 30 },
        splitArea: { show: true },
      },
      yAxis: { type: 'category', data: names, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: 0,
        max: jaccardScaleMax(overlap),
        calculable: true,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        dimension: 2,
        precision: 2,
        inRange: { color: ['#f0f5ff', '#1d5fbf'] },
      },
      series: [
        {
          type: 'heatmap',
          data: heatCells(overlap),
          label: {
            show: true,
            lineHeight: 16,
            formatter: (params: { value: [number, number, number, number] }) =>
              `${number.format(params.value[3])}\n${share.format(params.value[2])}`,
          },
        },
      ],
    };
  }, [overlap, names.join('|'), locale, t]);
  const rows = overlap.audiences.map((audience, i) => ({ key: audience.label, i }));
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Chart option={option} height={Math.max(260, 48 * names.length + 130)} label={t('overlap')} />
      <Table
        size="small"
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="overlap-table"
        dataSource={rows}
        columns={[
          { title: '', key: 'name', render: (_, row) => names[row.i] },
          ...overlap.audiences.map((audience, j) => ({
            title: names[j],
            key: audience.label,
            render: (_: unknown, row: { i: number }) => (
              <span data-testid={`overlap-${row.i}-${j}`}>
                {formatNumber(overlap.intersections[row.i][j], locale)}
                {row.i === j ? null : (
                  <Typography.Text type="secondary">
                    {' '}
                    ({formatNumber(overlap.jaccard[row.i][j], locale)})
                  </Typography.Text>
                )}
              </span>
            ),
          })),
        ]}
      />
      <Typography.Text type="secondary">
        {t('union')}: <span data-testid="overlap-union">{formatNumber(overlap.union, locale)}</span>
      </Typography.Text>
    </Space>
  );
}

// What an audience is made of, by a category tag (GET /v1/insights/breakdown): counts and shares in
// the audience and in the population, and TGI (100: like everyone).
export function BreakdownPanel({ audience }: { audience: string }) {
  const { t, tagName } = useI18n();
  const tags = useTags();
  const categories = (tags.data ?? []).filter((tag) => tag.kind === 'category');
  const [by, setBy] = useState<string | undefined>(undefined);
  const chosen = by ?? categories[0]?.id;
  const breakdown = useBreakdown(audience, chosen);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Select
        showSearch
        aria-label={t('breakdownBy')}
        data-testid="breakdown-by"
        style={{ width: 320 }}
        value={chosen}
        optionFilterProp="label"
        onChange={setBy}
        options={categories.map((tag) => ({ value: tag.id, label: `${tagName(tag)} (${tag.id})` }))}
      />
      {chosen ? (
        <QueryState query={breakdown}>{() => <BreakdownView breakdown={breakdown.data!} />}</QueryState>
      ) : null}
    </Space>
  );
}

function BreakdownView({ breakdown }: { breakdown: Breakdown }) {
  const { t, locale, label } = useI18n();
  const rowLabel = (row: BreakdownRow) => (row.key === null ? t('noValue') : label(row.label));
  const option: ChartOptionOf = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 56, right: 16, top: 24, bottom: 48 },
      xAxis: { type: 'category', data: breakdown.rows.map(rowLabel), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: 'value', name: 'TGI' },
      series: [
        {
          type: 'bar',
          name: 'TGI',
          data: breakdown.rows.map((row) => row.tgi),
          itemStyle: { color: '#1d5fbf' },
          markLine: {
            symbol: 'none',
            data: [{ yAxis: 100 }],
            lineStyle: { type: 'dashed', color: '#8c8c8c' },
          },
        },
      ],
    }),
    [breakdown, locale, label],
  );
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Table<BreakdownRow>
        size="small"
        pagination={false}
        rowKey={(row) => row.key ?? '∅'}
        data-testid="breakdown-table"
        dataSource={breakdown.rows}
        columns={[
          { title: t('value'), key: 'label', render: (_, row) => rowLabel(row) },
          {
            title: t('inAudience'),
            dataIndex: 'audience',
            align: 'right',
            render: (value: number) => formatNumber(value, locale),
          },
          {
            title: t('shareOfAudience'),
            dataIndex: 'audienceShare',
            align: 'right',
            render: (value: number) => formatPercent(value, locale),
          },
          {
            title: t('inPopulation'),
            dataIndex: 'population',
            align: 'right',
            render: (value: number) => formatNumber(value, locale),
          },
          {
            title: t('shareOfPopulation'),
            dataIndex: 'populationShare',
            align: 'right',
            render: (value: number) => formatPercent(value, locale),
          },
          {
            title: 'TGI',
            dataIndex: 'tgi',
            align: 'right',
            render: (value: number | null, row) => (
              <span data-testid={`tgi-${row.key ?? 'none'}`}>
                {value === null
                  ? '—'
                  : new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value)}
              </span>
            ),
          },
        ]}
      />
      <Chart option={option} height={240} label={t('breakdown')} />
    </Space>
  );
}
