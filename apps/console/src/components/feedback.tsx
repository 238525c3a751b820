import { Alert, Button, Progress, Result, Space, Spin, Tag } from 'antd';
import type { ReactNode } from 'react';
import { messageOf, problemsOf } from '../api/errors';
import type { RunView } from '../api/types';
import { useIdentity } from '../auth/identity';
import { useI18n } from '../i18n/i18n';
import { availability, screenByKey } from '../screens';

// The API's own message, with its problem list (a 422) and a retry where one makes sense.
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const problems = problemsOf(error);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={messageOf(error)}
      description={
        problems.length > 0 ? (
          <ul className="problems">
            {problems.map((problem, index) => (
              <li key={index}>
                {problem.pointer ? <code>{problem.pointer}</code> : null} {problem.message}
              </li>
            ))}
          </ul>
        ) : undefined
      }
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('retry')}
          </Button>
        ) : undefined
      }
    />
  );
}

// Loading, error or the content: never a spinner that hides an error.
export function QueryState({
  query,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  children: () => ReactNode;
}) {
  const { t } = useI18n();
  if (query.isError) return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending)
    return (
      <Spin tip={t('loading')}>
        <div style={{ minHeight: 64 }} />
      </Spin>
    );
  return <>{children()}</>;
}

// A screen the key may not see, and why.
export function Gate({ screen, children }: { screen: string; children: ReactNode }) {
  const { t } = useI18n();
  const identity = useIdentity();
  const state = availability(screenByKey(screen), identity.scopes);
  if (state.available) return <>{children}</>;
  return (
    <Result
      status="warning"
      title={t('unavailable')}
      subTitle={
        state.reason === 'scope'
          ? t('needsScope', { scopes: state.missing.join(', '), held: identity.scopes.join(', ') })
          : t('needsEndpoint', { endpoint: state.endpoint, issue: state.issue })
      }
    />
  );
}

// A panel of a screen that waits for an endpoint of another issue.
export function Awaiting({ endpoint, issue }: { endpoint: string; issue: number }) {
  const { t } = useI18n();
  return <Alert type="info" showIcon title={t('needsEndpoint', { endpoint, issue })} />;
}

export function RunStatus({ status }: { status: string }) {
  const { label } = useI18n();
  const color =
    status === 'succeeded'
      ? 'green'
      : status === 'failed'
        ? 'red'
        : status === 'running'
          ? 'blue'
          : 'default';
  return <Tag color={color}>{label(status)}</Tag>;
}

export function RunProgress({ run }: { run: Pick<RunView, 'status' | 'progress'> }) {
  const { locale } = useI18n();
  return (
    <Space style={{ width: '100%' }} orientation="vertical" size={0}>
      <Progress
        percent={run.progress.percent}
        status={run.status === 'failed' ? 'exception' : run.status === 'succeeded' ? 'success' : 'active'}
        aria-label="progress"
      />
      <small>
        {new Intl.NumberFormat(locale).format(run.progress.done)} /{' '}
        {new Intl.NumberFormat(locale).format(run.progress.total)}
      </small>
    </Space>
  );
}
