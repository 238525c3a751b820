import {
  AppstoreOutlined,
  AuditOutlined,
  DashboardOutlined,
  ExperimentOutlined,
  FundOutlined,
  LockOutlined,
  NotificationOutlined,
  SafetyCertificateOutlined,
  SyncOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu, Segmented, Space, Tooltip, Typography } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { useIdentity } from '../auth/identity';
import { signOut } from '../auth/session';
import { Gate } from '../components/feedback';
import { useI18n, type Lang } from '../i18n/i18n';
import { availability, SCREENS } from '../screens';
import { Overview } from '../screens/Overview';

// The first screen (overview) is in the entry chunk; every other screen loads when opened.
const Catalog = lazy(() => import('../screens/Catalog'));
const TagPage = lazy(() => import('../screens/TagPage'));
const Explorer = lazy(() => import('../screens/Explorer'));
const Customer = lazy(() => import('../screens/Customer'));
const Sandbox = lazy(() => import('../screens/Sandbox'));
const Review = lazy(() => import('../screens/Review'));
const Campaigns = lazy(() => import('../screens/Campaigns'));
const Runs = lazy(() => import('../screens/Runs'));
const Audit = lazy(() => import('../screens/Audit'));

const ICONS: Record<string, ReactNode> = {
  overview: <DashboardOutlined />,
  catalog: <AppstoreOutlined />,
  explorer: <FundOutlined />,
  customer: <UserOutlined />,
  sandbox: <ExperimentOutlined />,
  review: <SafetyCertificateOutlined />,
  campaigns: <NotificationOutlined />,
  runs: <SyncOutlined />,
  audit: <AuditOutlined />,
};

export function AppLayout() {
  const { t, lang, setLang } = useI18n();
  const identity = useIdentity();
  const navigate = useNavigate();
  const location = useLocation();
  const selected =
    SCREENS.filter((screen) => screen.path !== '/' && location.pathname.startsWith(screen.path)).map(
      (screen) => screen.key,
    )[0] ?? 'overview';

  const items = SCREENS.map((screen) => {
    const state = availability(screen, identity.scopes);
    const label = t(screen.label);
    return {
      key: screen.key,
      icon: state.available ? ICONS[screen.key] : <LockOutlined />,
      label: state.available ? (
        label
      ) : (
        <Tooltip
          placement="right"
          title={
            state.reason === 'scope'
              ? t('needsScope', { scopes: state.missing.join(', '), held: identity.scopes.join(', ') })
              : t('needsEndpoint', { endpoint: state.endpoint, issue: state.issue })
          }
        >
          <span>{label}</span>
        </Tooltip>
      ),
      onClick: () => void navigate(screen.path),
    };
  });

  const gated = (key: string, element: ReactNode) => <Gate screen={key}>{element}</Gate>;

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={210} breakpoint="lg" collapsedWidth={64} theme="light">
        <div className="brand">Tagforge</div>
        <Menu mode="inline" selectedKeys={[selected]} items={items} aria-label="screens" />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="header">
          <Typography.Text strong>{t('appName')}</Typography.Text>
          <Space size="middle">
            <Segmented<Lang>
              aria-label={t('language')}
              value={lang}
              onChange={setLang}
              options={[
                { label: 'English', value: 'en' },
                { label: '中文', value: 'zh' },
              ]}
            />
            <Tooltip title={`${t('scopes')}: ${identity.scopes.join(', ')}`}>
              <Typography.Text data-testid="identity">
                {t('signedInAs', { name: identity.name })}
              </Typography.Text>
            </Tooltip>
            <Button onClick={signOut}>{t('signOut')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content className="content">
          <Suspense fallback={null}>
            <Routes>
              <Route path="/" element={gated('overview', <Overview />)} />
              <Route path="/catalog" element={gated('catalog', <Catalog />)} />
              <Route path="/catalog/:id" element={gated('catalog', <TagPage />)} />
              <Route path="/explorer" element={gated('explorer', <Explorer />)} />
              <Route path="/explorer/:kind/:id" element={gated('explorer', <Explorer />)} />
              <Route path="/customers" element={gated('customer', <Customer />)} />
              <Route path="/customers/:id" element={gated('customer', <Customer />)} />
              <Route path="/sandbox" element={gated('sandbox', <Sandbox />)} />
              <Route path="/sandbox/:runId" element={gated('sandbox', <Sandbox />)} />
              <Route path="/review" element={gated('review', <Review />)} />
              <Route path="/review/:tagId/:version" element={gated('review', <Review />)} />
              <Route path="/campaigns" element={gated('campaigns', <Campaigns />)} />
              <Route path="/campaigns/:id" element={gated('campaigns', <Campaigns />)} />
              <Route path="/runs" element={gated('runs', <Runs />)} />
              <Route path="/runs/:id" element={gated('runs', <Runs />)} />
              <Route path="/audit" element={gated('audit', <Audit />)} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Routes>
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
