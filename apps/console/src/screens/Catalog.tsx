import { Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useTags } from '../api/queries';
import type { TagSummary } from '../api/types';
import { QueryState } from '../components/feedback';
import { useI18n } from '../i18n/i18n';

export function matchesSearch(tag: TagSummary, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (needle === '') return true;
  return [tag.id, tag.name, tag.nameZh, tag.description, tag.owner].some((text) =>
    text?.toLowerCase().includes(needle),
  );
}

export default function Catalog() {
  const { t, label, tagName } = useI18n();
  const tags = useTags();
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<{
    category?: string;
    purpose?: string;
    kind?: string;
    owner?: string;
  }>({});

  const options = useMemo(() => {
    const distinct = (pick: (tag: TagSummary) => string | undefined) =>
      [...new Set((tags.data ?? []).map(pick).filter((value): value is string => Boolean(value)))].sort();
    return {
      category: distinct((tag) => tag.category),
      purpose: distinct((tag) => tag.purpose),
      kind: distinct((tag) => tag.kind),
      owner: distinct((tag) => tag.owner),
    };
  }, [tags.data]);

  const shown = (tags.data ?? []).filter(
    (tag) =>
      matchesSearch(tag, search) &&
      (!filters.category || tag.category === filters.category) &&
      (!filters.purpose || tag.purpose === filters.purpose) &&
      (!filters.kind || tag.kind === filters.kind) &&
      (!filters.owner || tag.owner === filters.owner),
  );

  const filter = (key: keyof typeof filters, title: string, values: string[], labelled = true) => (
    <Select
      allowClear
      aria-label={title}
      placeholder={title}
      style={{ minWidth: 160 }}
      value={filters[key]}
      onChange={(value: string | undefined) => setFilters((current) => ({ ...current, [key]: value }))}
      options={values.map((value) => ({ value, label: labelled ? label(value) : value }))}
    />
  );

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('catalogTitle')}</Typography.Title>
      <Space wrap>
        <Input.Search
          aria-label={t('search')}
          placeholder={t('search')}
          allowClear
          style={{ width: 280 }}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        {filter('category', t('category'), options.category)}
        {filter('purpose', t('purpose'), options.purpose)}
        {filter('kind', t('kind'), options.kind)}
        {filter('owner', t('owner'), options.owner, false)}
      </Space>
      <QueryState query={tags}>
        {() => (
          <Table<TagSummary>
            rowKey="id"
            size="small"
            dataSource={shown}
            pagination={{ pageSize: 25, showSizeChanger: false }}
            columns={[
              {
                title: t('name'),
                key: 'name',
                render: (_, tag) => <Link to={`/catalog/${tag.id}`}>{tagName(tag)}</Link>,
              },
              { title: t('id'), dataIndex: 'id', render: (id: string) => <code>{id}</code> },
              { title: t('kind'), dataIndex: 'kind', render: (kind: string) => <Tag>{label(kind)}</Tag> },
              { title: t('purpose'), dataIndex: 'purpose', render: (purpose: string) => label(purpose) },
              { title: t('category'), dataIndex: 'category', render: (category: string) => label(category) },
              { title: t('owner'), dataIndex: 'owner' },
              { title: t('version'), dataIndex: 'version', width: 80 },
            ]}
          />
        )}
      </QueryState>
    </Space>
  );
}
