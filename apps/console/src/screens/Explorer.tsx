import { Button, Card, Col, DatePicker, Row, Select, Space, Statistic, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import profileSchema from '../../../../tag-definitions/profile.schema.json';
import { Link, useNavigate, useParams } from 'react-router';
import { downloadMembers, useAudience, useMembers, useTags } from '../api/queries';
import type { MembersPage } from '../api/types';
import { useGrants } from '../auth/identity';
import {
  MAX_COLUMNS,
  allowedColumns,
  cellText,
  columnsParam,
  profileColumns,
  tagColumns,
} from '../explorer/columns';
import { AdHocBuilder } from '../components/AdHocBuilder';
import { ErrorAlert, QueryState } from '../components/feedback';
import { BreakdownPanel, OverlapPanel } from '../components/InsightPanels';
import { SizeTrend } from '../components/SizeTrend';
import { useSizes } from '../api/insights';
import { HEADLINE_SEGMENTS } from './Overview';
import { formatInstant } from '../format/format';
import { useI18n } from '../i18n/i18n';

const PAGE_SIZE = 50;

// Segments and boolean tags as audiences: size (now or at an instant), members page by page (a
// 900,000-member segment is never loaded whole) with chosen columns, and the CSV export of those
// columns, saved by the browser from a one-time link; then, with insights:read, its size over time,
// its overlap with other audiences, its breakdown by a category tag, and the ad-hoc builder.
export default function Explorer() {
  const { kind, id } = useParams<{ kind: 'segment' | 'boolean'; id: string }>();
  const navigate = useNavigate();
  const { t, tagName } = useI18n();
  const tags = useTags();
  const canReadInsights = useGrants('insights:read');
  const audiences = (tags.data ?? []).filter((tag) => tag.kind === 'segment' || tag.kind === 'boolean');

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('navExplorer')}</Typography.Title>
      <Select
        showSearch
        aria-label={t('chooseAudience')}
        placeholder={t('chooseAudience')}
        style={{ width: 420 }}
        value={id}
        optionFilterProp="label"
        onChange={(value: string) => {
          const chosen = audiences.find((tag) => tag.id === value);
          void navigate(`/explorer/${chosen?.kind === 'segment' ? 'segment' : 'boolean'}/${value}`);
        }}
        options={audiences.map((tag) => ({ value: tag.id, label: `${tagName(tag)} (${tag.id})` }))}
      />
      {id && kind ? <AudiencePanel key={`${kind}:${id}`} kind={kind} id={id} /> : null}
      {canReadInsights ? (
        <Row gutter={[16, 16]}>
          {id ? (
            <Col xs={24} lg={12}>
              <Card size="small" title={t('sizeOverTime')}>
                <SizeTrend key={id} id={id} testId="explorer-trend" />
              </Card>
            </Col>
          ) : null}
          {id ? (
            <Col xs={24} lg={12}>
              <Card size="small" title={t('breakdown')}>
                <BreakdownPanel key={id} audience={id} />
              </Card>
            </Col>
          ) : null}
          <Col xs={24}>
            <Card size="small" title={t('overlap')}>
              <OverlapPanel
                key={id ?? ''}
                initial={[...new Set([...(id ? [id] : []), ...HEADLINE_SEGMENTS])].slice(0, 4)}
              />
            </Card>
          </Col>
          <Col xs={24}>
            <Card size="small" title={t('adHoc')}>
              <AdHocBuilder />
            </Card>
          </Col>
        </Row>
      ) : (
        <Typography.Text type="secondary" data-testid="insights-unavailable">
          {t('needsScopeShort', { scope: 'insights:read' })}
        </Typography.Text>
      )}
    </Space>
  );
}

const PROFILE_COLUMNS = profileColumns(profileSchema as never);

function AudiencePanel({ kind, id }: { kind: 'segment' | 'boolean'; id: string }) {
  const { t, locale, lang } = useI18n();
  const [asOf, setAsOf] = useState<Dayjs | null>(null);
  const instant = asOf?.toISOString();
  // With insights:read and no instant, the size now is the last point of the size series the trend
  // panel asks anyway (the rollup is written in the history's transaction: no lag), so the screen
  // does not ask the same number twice; at an instant, or without the scope, the audience's own size.
  const canReadInsights = useGrants('insights:read');
  const fromSeries = canReadInsights && instant === undefined;
  const series = useSizes(id, { enabled: fromSeries });
  const audience = useAudience(id, kind, instant, !fromSeries);
  const sizeQuery = fromSeries ? series : audience;
  const sizeNow = () =>
    fromSeries ? (series.data!.points[series.data!.points.length - 1]?.size ?? 0) : audience.data!.size;
  const tags = useTags();
  const canReadBureau = useGrants('bureau:read');
  const options = useMemo(
    () =>
      allowedColumns([...tagColumns(tags.data ?? []), ...PROFILE_COLUMNS], {
        canReadBureau,
        pastInstant: instant !== undefined,
      }),
    [tags.data, canReadBureau, instant],
  );
  const [picked, setPicked] = useState<string[]>([]);
  // A past instant has tags only: profile columns drop out of the choice rather than fail.
  const chosen = picked.filter((value) => options.some((option) => option.value === value));
  const columns = columnsParam(chosen);
  // Keyset paging: the cursors of the pages before this one, so "back" needs no offset.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const members = useMembers(id, kind, cursors[cursors.length - 1], PAGE_SIZE, instant, columns);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const title = (value: string) => {
    const option = options.find((candidate) => candidate.value === value);
    return (lang === 'zh' ? option?.titleZh : undefined) ?? option?.title ?? value;
  };
  const table: ColumnsType<MembersPage['items'][number]> = [
    {
      title: t('customerLookup'),
      dataIndex: 'customerId',
      render: (customerId: string) => <Link to={`/customers/${customerId}`}>{customerId}</Link>,
    },
    {
      title: t('since'),
      dataIndex: 'since',
      render: (since: string) => formatInstant(since, locale),
    },
    ...chosen.map((value) => ({
      title: title(value),
      key: value,
      render: (_: unknown, member: MembersPage['items'][number]) => cellText(member.columns?.[value]),
    })),
  ];

  return (
    <Card size="small">
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Space wrap align="end">
          <QueryState query={sizeQuery}>
            {() => (
              <Statistic
                title={`${t('size')}${instant ? ` (${formatInstant(instant, locale)})` : ''}`}
                value={sizeNow()}
                formatter={(value) => (
                  <span data-testid="audience-size">
                    {new Intl.NumberFormat(locale).format(Number(value))}
                  </span>
                )}
              />
            )}
          </QueryState>
          <Space orientation="vertical" size={0}>
            <Typography.Text type="secondary">{t('asOf')}</Typography.Text>
            <DatePicker
              showTime
              aria-label={t('asOf')}
              value={asOf}
              onChange={(value) => {
                setAsOf(value);
                setCursors([undefined]);
              }}
            />
          </Space>
        </Space>
        <Space wrap align="end">
          <Space orientation="vertical" size={0}>
            <Typography.Text type="secondary">
              {t('exportColumns')} ({chosen.length}/{MAX_COLUMNS})
            </Typography.Text>
            <Select
              mode="multiple"
              allowClear
              showSearch
              maxCount={MAX_COLUMNS}
              aria-label={t('exportColumns')}
              data-testid="export-columns"
              placeholder={t('chooseColumns')}
              style={{ width: 560 }}
              value={chosen}
              optionFilterProp="label"
              onChange={(values: string[]) => {
                setPicked(values);
                setCursors([undefined]);
              }}
              options={[
                {
                  label: t('columnsTags'),
                  options: options
                    .filter((option) => option.source === 'tag')
                    .map((option) => ({
                      value: option.value,
                      label: `${title(option.value)} (${option.value})`,
                    })),
                },
                {
                  label: instant ? t('columnsProfileNow') : t('columnsProfile'),
                  options: options
                    .filter((option) => option.source === 'profile')
                    .map((option) => ({
                      value: option.value,
                      label: `${title(option.value)} (${option.value})`,
                    })),
                },
              ]}
            />
          </Space>
          <Button
            type="primary"
            data-testid="export-csv"
            loading={exporting}
            onClick={() => {
              setExporting(true);
              setExportError(null);
              downloadMembers(kind, id, { asOf: instant, columns })
                .catch(setExportError)
                .finally(() => setExporting(false));
            }}
          >
            {t('exportCsv')}
          </Button>
        </Space>
        {exportError ? <ErrorAlert error={exportError} /> : null}
        <QueryState query={members}>
          {() => (
            <>
              <Table
                size="small"
                rowKey="customerId"
                data-testid="members"
                pagination={false}
                scroll={{ x: 'max-content' }}
                dataSource={members.data!.items}
                columns={table}
              />
              <Space>
                <Button disabled={cursors.length <= 1} onClick={() => setCursors([undefined])}>
                  {t('first')}
                </Button>
                <Button
                  disabled={!members.data!.nextCursor}
                  onClick={() => setCursors((stack) => [...stack, members.data!.nextCursor ?? undefined])}
                >
                  {t('next')}
                </Button>
              </Space>
            </>
          )}
        </QueryState>
      </Space>
    </Card>
  );
}
