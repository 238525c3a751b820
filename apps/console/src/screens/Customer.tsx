import {
  Alert,
  Button,
  Card,
  Col,
  Collapse,
  DatePicker,
  Descriptions,
  Drawer,
  Input,
  Row,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  useCustomerSegments,
  useCustomerTags,
  useExplanation,
  useHistory,
  useProfile,
  useTags,
} from '../api/queries';
import type { CustomerTag, Explanation, TagSummary } from '../api/types';
import { useGrants } from '../auth/identity';
import { QueryState } from '../components/feedback';
import { formatInstant, formatTagValue } from '../format/format';
import { useI18n } from '../i18n/i18n';

export default function Customer() {
  const { id } = useParams<{ id: string }>();
  const navigate = useNavigate();
  const { t } = useI18n();
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('navCustomer')}</Typography.Title>
      <Input.Search
        aria-label={t('customerLookup')}
        placeholder="C0000042"
        enterButton={t('lookUp')}
        defaultValue={id}
        style={{ maxWidth: 420 }}
        onSearch={(value) => {
          if (value.trim()) void navigate(`/customers/${encodeURIComponent(value.trim())}`);
        }}
      />
      {id ? <CustomerView key={id} id={id} /> : null}
    </Space>
  );
}

function useTagIndex() {
  const tags = useTags();
  return new Map((tags.data ?? []).map((tag) => [tag.id, tag]));
}

function CustomerView({ id }: { id: string }) {
  const { t, locale, tagName } = useI18n();
  const canReadProfile = useGrants('profiles:read');
  const tags = useCustomerTags(id);
  const segments = useCustomerSegments(id);
  const index = useTagIndex();
  const [explaining, setExplaining] = useState<string | undefined>(undefined);

  return (
    <QueryState query={tags}>
      {() => (
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Row gutter={16}>
            <Col xs={24} xl={14}>
              <Card size="small" title={t('tags')}>
                <TagTable tags={tags.data!.tags} index={index} onExplain={(tagId) => setExplaining(tagId)} />
              </Card>
            </Col>
            <Col xs={24} xl={10}>
              <Card size="small" title={t('segments')}>
                <QueryState query={segments}>
                  {() =>
                    segments.data!.segments.length === 0 ? (
                      t('none')
                    ) : (
                      <Space wrap data-testid="customer-segments">
                        {segments.data!.segments.map((segment) => (
                          <Tag
                            key={segment.segmentId}
                            color="blue"
                            style={{ cursor: 'pointer' }}
                            onClick={() => setExplaining(segment.segmentId)}
                          >
                            {tagName(index.get(segment.segmentId), segment.segmentId)} ·{' '}
                            {formatInstant(segment.since, locale)}
                          </Tag>
                        ))}
                      </Space>
                    )
                  }
                </QueryState>
              </Card>
              <AsOf id={id} index={index} />
            </Col>
          </Row>
          <History id={id} index={index} />
          {canReadProfile ? <Profile id={id} /> : null}
          <Drawer
            open={explaining !== undefined}
            width={640}
            title={`${t('explanation')}: ${tagName(index.get(explaining ?? ''), explaining)}`}
            onClose={() => setExplaining(undefined)}
          >
            {explaining ? <ExplanationView id={id} tagId={explaining} /> : null}
          </Drawer>
        </Space>
      )}
    </QueryState>
  );
}

function TagTable({
  tags,
  index,
  onExplain,
}: {
  tags: CustomerTag[];
  index: Map<string, TagSummary>;
  onExplain?: (tagId: string) => void;
}) {
  const { t, locale, tagName } = useI18n();
  return (
    <Table<CustomerTag>
      size="small"
      rowKey="tagId"
      pagination={tags.length > 60 ? { pageSize: 60, showSizeChanger: false } : false}
      dataSource={tags}
      columns={[
        {
          title: t('name'),
          key: 'name',
          render: (_, tag) => (
            <Link to={`/catalog/${tag.tagId}`}>{tagName(index.get(tag.tagId), tag.tagId)}</Link>
          ),
        },
        {
          title: t('value'),
          dataIndex: 'value',
          render: (value: unknown) => formatTagValue(value, locale, { yes: t('yes'), no: t('no') }),
        },
        { title: t('since'), dataIndex: 'since', render: (since: string) => formatInstant(since, locale) },
        ...(onExplain
          ? [
              {
                title: '',
                key: 'explain',
                render: (_: unknown, tag: CustomerTag) => (
                  <Button
                    size="small"
                    onClick={() => onExplain(tag.tagId)}
                    aria-label={`${t('explain')} ${tag.tagId}`}
                  >
                    {t('explain')}
                  </Button>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

function ExplanationView({ id, tagId }: { id: string; tagId: string }) {
  const explanation = useExplanation(id, tagId);
  return (
    <QueryState query={explanation}>
      {() => <ExplanationNode node={explanation.data!} depth={0} />}
    </QueryState>
  );
}

function ExplanationNode({ node, depth }: { node: Explanation; depth: number }) {
  const { t, locale, tagName } = useI18n();
  const index = useTagIndex();
  const words = { yes: t('yes'), no: t('no') };
  return (
    <Card
      size="small"
      style={{ marginLeft: depth * 12, marginBottom: 8 }}
      data-testid={depth === 0 ? 'explanation' : undefined}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text strong>
          {tagName(index.get(node.tagId), node.tagId)}:{' '}
          {formatTagValue(flagValue(node.kind, node.value), locale, words)}
        </Typography.Text>
        {node.redacted !== undefined ? (
          <Alert type="warning" showIcon title={`${t('redacted')}: ${node.redacted}`} />
        ) : (
          <>
            <Typography.Paragraph data-testid="account" style={{ marginBottom: 0 }}>
              {node.account}
            </Typography.Paragraph>
            <Typography.Text type={node.agrees ? 'secondary' : 'danger'}>
              {t('evaluatedNow')}: {formatTagValue(flagValue(node.kind, node.evaluatedValue), locale, words)}{' '}
              — {node.agrees ? t('agrees') : t('disagrees')}
            </Typography.Text>
            {Object.keys(node.reads ?? {}).length > 0 ? (
              <Descriptions size="small" column={1} bordered title={t('valuesRead')}>
                {Object.entries(node.reads ?? {}).map(([path, value]) => (
                  <Descriptions.Item key={path} label={<code>{path}</code>}>
                    {JSON.stringify(value)}
                  </Descriptions.Item>
                ))}
              </Descriptions>
            ) : null}
          </>
        )}
        {node.components?.map((component) => (
          <ExplanationNode key={component.tagId} node={component} depth={depth + 1} />
        ))}
      </Space>
    </Card>
  );
}

function History({ id, index }: { id: string; index: Map<string, TagSummary> }) {
  const { t, locale, tagName, label } = useI18n();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const history = useHistory(id, undefined, cursors[cursors.length - 1]);
  const words = { yes: t('yes'), no: t('no') };
  return (
    <Card size="small" title={t('history')}>
      <QueryState query={history}>
        {() => (
          <>
            <Timeline
              data-testid="history"
              items={history.data!.items.map((event) => ({
                key: event.seq,
                children: (
                  <span>
                    <Typography.Text type="secondary">{formatInstant(event.at, locale)}</Typography.Text>{' '}
                    <strong>{tagName(index.get(event.tagId), event.tagId)}</strong>:{' '}
                    {formatTagValue(event.oldValue, locale, words)} →{' '}
                    {formatTagValue(event.newValue, locale, words)} <Tag>{label(event.cause)}</Tag>
                  </span>
                ),
              }))}
            />
            <Space>
              <Button disabled={cursors.length <= 1} onClick={() => setCursors([undefined])}>
                {t('first')}
              </Button>
              <Button
                disabled={!history.data!.nextCursor}
                onClick={() => setCursors((stack) => [...stack, history.data!.nextCursor ?? undefined])}
              >
                {t('next')}
              </Button>
            </Space>
          </>
        )}
      </QueryState>
    </Card>
  );
}

function AsOf({ id, index }: { id: string; index: Map<string, TagSummary> }) {
  const { t } = useI18n();
  const [instant, setInstant] = useState<Dayjs | null>(null);
  const tags = useCustomerTags(instant ? id : undefined, instant?.toISOString());
  return (
    <Card size="small" title={t('asOf')} style={{ marginTop: 16 }}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('asOfHelp')}</Typography.Text>
        <DatePicker showTime aria-label={t('asOf')} value={instant} onChange={setInstant} />
        {instant ? (
          <QueryState query={tags}>{() => <TagTable tags={tags.data!.tags} index={index} />}</QueryState>
        ) : null}
      </Space>
    </Card>
  );
}

function Profile({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const canReadBureau = useGrants('bureau:read');
  const profile = useProfile(id, true);
  return (
    <Card size="small" title={t('profile')}>
      <QueryState query={profile}>
        {() => (
          <Space orientation="vertical" style={{ width: '100%' }}>
            {!canReadBureau ? <Alert type="info" showIcon title={t('bureauHidden')} /> : null}
            <Collapse
              items={Object.entries(profile.data!.profile)
                .filter(([section]) => section !== 'asOf')
                .map(([section, content]) => ({
                  key: section,
                  label: `${section}${profile.data!.sectionAsOf[section] ? ` · ${formatInstant(profile.data!.sectionAsOf[section], locale)}` : ''}`,
                  children: <pre className="json">{JSON.stringify(content, null, 2)}</pre>,
                }))}
            />
          </Space>
        )}
      </QueryState>
    </Card>
  );
}

// An unset boolean or segment has no row (null): for a person it reads "no".
function flagValue(kind: string, value: unknown): unknown {
  return value === null && (kind === 'boolean' || kind === 'segment') ? false : value;
}
