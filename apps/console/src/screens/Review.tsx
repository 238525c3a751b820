import { Alert, Button, Card, Col, List, Row, Space, Typography } from 'antd';
import { Link, useParams } from 'react-router';
import { useActivate, useApprove, useDiff, useDrafts, useRun, useRuns, useSandboxRun } from '../api/queries';
import { useIdentity } from '../auth/identity';
import { ErrorAlert, QueryState, RunProgress, RunStatus } from '../components/feedback';
import { SandboxResult } from '../components/SandboxResult';
import { formatInstant } from '../format/format';
import { useI18n } from '../i18n/i18n';
import { sandboxRunFor } from './pending';
import { VersionDiffView } from './TagPage';

export default function Review() {
  const { tagId, version } = useParams<{ tagId: string; version: string }>();
  const { t } = useI18n();
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('navReview')}</Typography.Title>
      <Typography.Text type="secondary">{t('makerChecker')}</Typography.Text>
      <Row gutter={16}>
        <Col xs={24} lg={7}>
          <Pending />
        </Col>
        <Col xs={24} lg={17}>
          {tagId && version ? (
            <ReviewVersion key={`${tagId}@${version}`} tagId={tagId} version={Number(version)} />
          ) : null}
        </Col>
      </Row>
    </Space>
  );
}

function Pending() {
  const { t, locale } = useI18n();
  const drafts = useDrafts();
  return (
    <Card size="small" title={t('pendingChanges')} data-testid="pending-changes">
      <QueryState query={drafts}>
        {() => (
          <List
            size="small"
            locale={{ emptyText: t('noPending') }}
            dataSource={drafts.data}
            renderItem={(draft) => (
              <List.Item>
                <Space orientation="vertical" size={0}>
                  <Link
                    to={`/review/${draft.tagId}/${draft.version}`}
                    data-testid={`pending-${draft.tagId}-${draft.version}`}
                  >
                    {draft.tagId} v{draft.version}
                  </Link>
                  <Typography.Text type="secondary">
                    {draft.createdBy} · {formatInstant(draft.createdAt, locale)}
                  </Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        )}
      </QueryState>
    </Card>
  );
}

function ReviewVersion({ tagId, version }: { tagId: string; version: number }) {
  const { t } = useI18n();
  const identity = useIdentity();
  const diff = useDiff(tagId, version);
  const runs = useRuns(true, 100);
  const approve = useApprove();
  const activate = useActivate();
  const activation = useRun(activate.data?.runId);
  const tried = diff.data ? sandboxRunFor(runs.data?.items ?? [], tagId, diff.data.after.rule) : undefined;
  const sandbox = useSandboxRun(tried?.id);
  const makerIsMe = diff.data?.createdBy === identity.name;

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Card
        size="small"
        title={`${tagId} v${version}`}
        extra={
          <Space>
            <Button
              disabled={
                !diff.data ||
                diff.data.status !== 'draft' ||
                diff.data.approvedBy !== null ||
                approve.isSuccess
              }
              loading={approve.isPending}
              onClick={() => approve.mutate({ tagId, version })}
            >
              {t('approve')}
            </Button>
            <Button
              type="primary"
              disabled={!diff.data || diff.data.status === 'active' || activate.isSuccess}
              loading={activate.isPending}
              onClick={() => activate.mutate({ tagId, version })}
            >
              {t('activate')}
            </Button>
          </Space>
        }
      >
        <Space orientation="vertical" style={{ width: '100%' }}>
          {makerIsMe && diff.data?.approvedBy === null ? (
            <Alert type="info" showIcon title={t('makerChecker')} />
          ) : null}
          {approve.isError ? <ErrorAlert error={approve.error} /> : null}
          {approve.isSuccess ? (
            <Alert type="success" showIcon title={t('approvedBy', { name: approve.data.approvedBy })} />
          ) : null}
          {activate.isError ? <ErrorAlert error={activate.error} /> : null}
          {activate.isSuccess ? (
            <Card size="small" title={t('activation')} data-testid="activation">
              <QueryState query={activation}>
                {() => (
                  <Space orientation="vertical" style={{ width: '100%' }}>
                    <Space>
                      <RunStatus status={activation.data!.status} />
                      <Link to={`/runs/${activation.data!.id}`}>{activation.data!.id}</Link>
                    </Space>
                    <RunProgress run={activation.data!} />
                    {activation.data!.error ? (
                      <Alert type="error" showIcon title={activation.data!.error} />
                    ) : null}
                  </Space>
                )}
              </QueryState>
            </Card>
          ) : null}
          <QueryState query={diff}>{() => <VersionDiffView tagId={tagId} version={version} />}</QueryState>
        </Space>
      </Card>
      <Card size="small" title={t('sandboxResult')}>
        {tried ? (
          <QueryState query={sandbox}>{() => <SandboxResult run={sandbox.data!} />}</QueryState>
        ) : (
          <Typography.Text type="secondary">{t('noSandbox')}</Typography.Text>
        )}
      </Card>
    </Space>
  );
}
