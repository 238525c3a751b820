import { Space, Typography } from 'antd';
import { useMemo } from 'react';
import type { AudienceFilter } from '../api/insights';
import { useSizes } from '../api/insights';
import type { SizeSeries } from '../api/types';
import { formatNumber } from '../format/format';
import { useI18n } from '../i18n/i18n';
import { intervalLabel, latestPoint, seriesColumns } from '../insights/series';
import { QueryState } from './feedback';
import { Chart, type ChartOptionOf } from './lazy';

// An audience's size over time (GET /v1/audiences/{id}/sizes): the size line, and who entered and
// exited per interval as bars below it.
export function SizeTrend({
  id,
  filter,
  interval = 'day',
  testId = 'size-trend',
}: {
  id: string;
  filter?: AudienceFilter;
  interval?: 'day' | 'week' | 'month';
  testId?: string;
}) {
  const sizes = useSizes(id, { interval, filter });
  return (
    <QueryState query={sizes}>{() => <SizeTrendChart series={sizes.data!} testId={testId} />}</QueryState>
  );
}

function SizeTrendChart({ series, testId }: { series: SizeSeries; testId: string }) {
  const { t, locale } = useI18n();
  const columns = useMemo(() => seriesColumns(series.points), [series]);
  const labels = useMemo(
    () => series.points.map((point) => intervalLabel(point, locale, series.interval)),
    [series, locale],
  );
  const option: ChartOptionOf = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { data: [t('size'), t('entered'), t('exited')], bottom: 0 },
      grid: [
        { left: 64, right: 16, top: 16, height: 150 },
        { left: 64, right: 16, top: 190, height: 60 },
      ],
      xAxis: [
        { type: 'category', data: labels, gridIndex: 0, axisLabel: { show: false } },
        { type: 'category', data: labels, gridIndex: 1 },
      ],
      yAxis: [
        { type: 'value', gridIndex: 0, scale: true },
        { type: 'value', gridIndex: 1, splitNumber: 2 },
      ],
      series: [
        {
          name: t('size'),
          type: 'line',
          data: columns.sizes,
          xAxisIndex: 0,
          yAxisIndex: 0,
          showSymbol: false,
        },
        {
          name: t('entered'),
          type: 'bar',
          data: columns.entered,
          xAxisIndex: 1,
          yAxisIndex: 1,
          color: '#52c41a',
        },
        {
          name: t('exited'),
          type: 'bar',
          data: columns.exited.map((value) => -value),
          xAxisIndex: 1,
          yAxisIndex: 1,
          color: '#fa541c',
        },
      ],
    }),
    [columns, labels, t],
  );
  const last = latestPoint(series.points);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid={testId}>
      {last ? (
        <Typography.Text>
          {t('sizeAtEnd')}: <span data-testid={`${testId}-size`}>{formatNumber(last.size, locale)}</span> ·{' '}
          {t('entered')}: <span data-testid={`${testId}-entered`}>{formatNumber(last.entered, locale)}</span>{' '}
          · {t('exited')}: <span data-testid={`${testId}-exited`}>{formatNumber(last.exited, locale)}</span>{' '}
          <Typography.Text type="secondary">
            ({last.complete ? t('intervalComplete') : t('intervalRunning')})
          </Typography.Text>
        </Typography.Text>
      ) : null}
      <Chart option={option} height={290} label={t('sizeOverTime')} />
    </Space>
  );
}

// A 30-day sparkline for a card: the size line only, no axes.
export function Sparkline({ series, label }: { series: SizeSeries; label: string }) {
  const option: ChartOptionOf = useMemo(
    () => ({
      grid: { left: 0, right: 0, top: 4, bottom: 4 },
      xAxis: { type: 'category', show: false, data: series.points.map((point) => point.end) },
      yAxis: { type: 'value', show: false, scale: true },
      series: [
        {
          type: 'line',
          data: series.points.map((point) => point.size),
          showSymbol: false,
          lineStyle: { width: 1.5 },
          areaStyle: { opacity: 0.15 },
        },
      ],
    }),
    [series],
  );
  return <Chart option={option} height={44} label={label} />;
}
