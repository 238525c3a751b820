import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Checkbox, Input, List, Select, Segmented, Space, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { downloadAdHoc, useAdHocCount, useDistribution } from '../api/insights';
import { useTags } from '../api/queries';
import type { TagSummary } from '../api/types';
import { formatNumber, formatPercent } from '../format/format';
import { useI18n } from '../i18n/i18n';
import {
  combinationRule,
  emptyCombination,
  emptyCondition,
  type Combination,
  type Comparison,
  type Condition,
  type Joiner,
} from '../insights/builder';
import { ErrorAlert } from './feedback';
import { RuleView } from './RuleView';

// The ad-hoc combination builder: AND / OR / NOT over tags, the live count of whom it selects
// (POST /v1/insights/count, asked once the rule stops changing) and the CSV of its members.
export function AdHocBuilder() {
  const { t, locale } = useI18n();
  const tags = useTags();
  const [combination, setCombination] = useState<Combination>(emptyCombination);
  const rule = combinationRule(combination);
  const ruleText = rule ? JSON.stringify(rule) : null;
  const count = useAdHocCount(ruleText);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  const updateGroup = (
    index: number,
    change: (group: Combination['groups'][number]) => Combination['groups'][number],
  ) =>
    setCombination((current) => ({
      ...current,
      groups: current.groups.map((group, i) => (i === index ? change(group) : group)),
    }));

  const joinerSwitch = (value: Joiner, onChange: (value: Joiner) => void, label: string) => (
    <Segmented<Joiner>
      aria-label={label}
      size="small"
      value={value}
      onChange={onChange}
      options={[
        { label: t('and'), value: 'and' },
        { label: t('or'), value: 'or' },
      ]}
    />
  );

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="ad-hoc">
      <Space>
        <Typography.Text>{t('groupsJoinedBy')}</Typography.Text>
        {joinerSwitch(
          combination.joiner,
          (joiner) => setCombination((c) => ({ ...c, joiner })),
          t('groupsJoinedBy'),
        )}
      </Space>
      {combination.groups.map((group, groupIndex) => (
        <Card
          key={groupIndex}
          size="small"
          data-testid={`ad-hoc-group-${groupIndex}`}
          title={
            <Space>
              {t('group', { n: groupIndex + 1 })}
              {joinerSwitch(
                group.joiner,
                (joiner) => updateGroup(groupIndex, (g) => ({ ...g, joiner })),
                t('conditionsJoinedBy'),
              )}
            </Space>
          }
          extra={
            combination.groups.length > 1 ? (
              <Button
                size="small"
                aria-label={t('removeGroup')}
                icon={<DeleteOutlined />}
                onClick={() =>
                  setCombination((c) => ({ ...c, groups: c.groups.filter((_, i) => i !== groupIndex) }))
                }
              />
            ) : null
          }
        >
          <Space orientation="vertical" style={{ width: '100%' }}>
            {group.conditions.map((condition, conditionIndex) => (
              <ConditionRow
                key={conditionIndex}
                testId={`condition-${groupIndex}-${conditionIndex}`}
                condition={condition}
                tags={tags.data ?? []}
                onChange={(next) =>
                  updateGroup(groupIndex, (g) => ({
                    ...g,
                    conditions: g.conditions.map((c, i) => (i === conditionIndex ? next : c)),
                  }))
                }
                onRemove={
                  group.conditions.length > 1
                    ? () =>
                        updateGroup(groupIndex, (g) => ({
                          ...g,
                          conditions: g.conditions.filter((_, i) => i !== conditionIndex),
                        }))
                    : undefined
                }
              />
            ))}
            <Button
              size="small"
              icon={<PlusOutlined />}
              onClick={() =>
                updateGroup(groupIndex, (g) => ({ ...g, conditions: [...g.conditions, emptyCondition()] }))
              }
            >
              {t('addCondition')}
            </Button>
          </Space>
        </Card>
      ))}
      <Button
        size="small"
        icon={<PlusOutlined />}
        onClick={() =>
          setCombination((c) => ({
            ...c,
            groups: [...c.groups, { joiner: 'and', conditions: [emptyCondition()] }],
          }))
        }
      >
        {t('addGroup')}
      </Button>
      {rule ? (
        <Card size="small" title={t('ruleReadable')}>
          <RuleView rule={rule} />
        </Card>
      ) : (
        <Typography.Text type="secondary">{t('builderEmpty')}</Typography.Text>
      )}
      {count.isError ? <ErrorAlert error={count.error} /> : null}
      {rule && count.data ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space size="large" wrap align="end">
            <Statistic
              title={t('adHocSize')}
              value={count.data.size}
              formatter={() => <span data-testid="ad-hoc-size">{formatNumber(count.data.size, locale)}</span>}
            />
            <Statistic
              title={t('population')}
              value={count.data.population}
              formatter={() => formatNumber(count.data.population, locale)}
            />
            <Statistic
              title={t('share')}
              value={count.data.share}
              formatter={() => formatPercent(count.data.share, locale)}
            />
            <Button
              type="primary"
              data-testid="ad-hoc-export"
              loading={exporting}
              disabled={count.isFetching}
              onClick={() => {
                setExporting(true);
                setExportError(null);
                downloadAdHoc(rule)
                  .catch(setExportError)
                  .finally(() => setExporting(false));
              }}
            >
              {t('exportCsv')}
            </Button>
            {count.isFetching ? <Typography.Text type="secondary">{t('counting')}</Typography.Text> : null}
          </Space>
          {count.data.sample.length > 0 ? (
            <List
              size="small"
              header={t('firstMembers')}
              dataSource={count.data.sample}
              grid={{ gutter: 8, column: 5 }}
              renderItem={(customerId) => (
                <List.Item>
                  <Link to={`/customers/${customerId}`}>{customerId}</Link>
                </List.Item>
              )}
            />
          ) : null}
        </Space>
      ) : null}
      {exportError ? <ErrorAlert error={exportError} /> : null}
    </Space>
  );
}

function ConditionRow({
  condition,
  tags,
  onChange,
  onRemove,
  testId,
}: {
  condition: Condition;
  tags: TagSummary[];
  onChange: (condition: Condition) => void;
  onRemove?: () => void;
  testId: string;
}) {
  const { t, tagName, label } = useI18n();
  const values = useDistribution(condition.tagId, condition.kind === 'category');
  return (
    <Space wrap data-testid={testId}>
      <Checkbox
        checked={condition.negate}
        onChange={(event) => onChange({ ...condition, negate: event.target.checked })}
      >
        {t('not')}
      </Checkbox>
      <Select
        showSearch
        aria-label={t('conditionTag')}
        placeholder={t('conditionTag')}
        style={{ width: 300 }}
        value={condition.tagId}
        optionFilterProp="label"
        onChange={(tagId: string) => {
          const kind = tags.find((tag) => tag.id === tagId)?.kind;
          onChange({
            tagId,
            kind,
            negate: condition.negate,
            ...(kind === 'number' ? { comparison: '>=' } : {}),
          });
        }}
        options={tags.map((tag) => ({ value: tag.id, label: `${tagName(tag)} (${tag.id})` }))}
      />
      {condition.kind === 'category' ? (
        <Select
          aria-label={t('value')}
          placeholder={t('value')}
          style={{ width: 200 }}
          value={condition.value}
          loading={values.isPending}
          onChange={(value: string) => onChange({ ...condition, value })}
          options={(values.data?.labels ?? []).map((value) => ({ value, label: label(value) }))}
        />
      ) : null}
      {condition.kind === 'number' ? (
        <>
          <Select<Comparison>
            aria-label={t('comparison')}
            style={{ width: 80 }}
            value={condition.comparison ?? '>='}
            onChange={(comparison) => onChange({ ...condition, comparison })}
            options={[
              { value: '>=', label: '≥' },
              { value: '<=', label: '≤' },
              { value: '==', label: '=' },
            ]}
          />
          <Input
            aria-label={t('bound')}
            style={{ width: 120 }}
            inputMode="decimal"
            value={condition.value}
            onChange={(event) => onChange({ ...condition, value: event.target.value })}
          />
        </>
      ) : null}
      {onRemove ? (
        <Button size="small" aria-label={t('removeCondition')} icon={<DeleteOutlined />} onClick={onRemove} />
      ) : null}
    </Space>
  );
}
