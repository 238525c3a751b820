import { Select, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useDistribution } from '../api/insights';
import type { Distribution } from '../api/types';
import { formatNumber, formatPercent } from '../format/format';
import { useI18n } from '../i18n/i18n';
import { QueryState } from './feedback';
import { Chart, type ChartOptionOf } from './lazy';
import { SizeTrend } from './SizeTrend';

// A tag's distribution now (GET /v1/tags/{id}/distribution): coverage and a bar per value or bin.
export function DistributionView({ tagId }: { tagId: string }) {
  const distribution = useDistribution(tagId, true);
  return (
    <QueryState query={distribution}>
      {() => <DistributionChart distribution={distribution.data!} />}
    </QueryState>
  );
}

function DistributionChart({ distribution }: { distribution: Distribution }) {
  const { t, locale, label } = useI18n();
  const { current } = distribution;
  const option: ChartOptionOf = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 56, right: 16, top: 16, bottom: 56 },
      xAxis: {
        type: 'category',
        data: distribution.labels.map((value) => label(value)),
        axisLabel: { interval: 0, rotate: distribution.labels.length > 6 ? 30 : 0 },
      },
      yAxis: { type: 'value' },
      series: [{ name: t('customers'), type: 'bar', data: current.counts, color: '#1d5fbf' }],
    }),
    [distribution, current, label, t],
  );
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Text data-testid="distribution-coverage">
        {t('coveredOf', {
          covered: formatNumber(current.covered, locale),
          population: formatNumber(current.population, locale),
          percent: formatPercent(current.coverage, locale),
        })}
      </Typography.Text>
      <Chart option={option} height={240} label={t('distribution')} />
    </Space>
  );
}

// Size over time of any tag: a segment or boolean tag as it is, a category tag by a chosen value
// (the values its distribution shows), a number tag as the customers with a value.
export function TagSizeTrend({ tagId, kind }: { tagId: string; kind: string }) {
  const { t, label } = useI18n();
  const distribution = useDistribution(tagId, kind === 'category');
  const [picked, setPicked] = useState<string | undefined>(undefined);
  if (kind !== 'category') return <SizeTrend id={tagId} />;
  return (
    <QueryState query={distribution}>
      {() => {
        const values = distribution.data!.labels;
        const value = picked ?? values[0];
        if (value === undefined) return <Typography.Text type="secondary">{t('none')}</Typography.Text>;
        return (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Select
              aria-label={t('value')}
              value={value}
              style={{ width: 240 }}
              onChange={setPicked}
              options={values.map((entry) => ({ value: entry, label: label(entry) }))}
            />
            <SizeTrend key={value} id={tagId} filter={{ value }} />
          </Space>
        );
      }}
    </QueryState>
  );
}
