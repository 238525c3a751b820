import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect, useState } from 'react';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/errors';
import { fetchIdentity } from './api/queries';
import { IdentityContext } from './auth/identity';
import { forgetKey, onSignedOut, storedKey, type Identity } from './auth/session';
import { I18nProvider, useI18n } from './i18n/i18n';
import { AppLayout } from './layout/AppLayout';
import { SignIn } from './screens/SignIn';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx is the answer, not a blip: show its message at once instead of retrying.
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
  queryCache: new QueryCache(),
});

function Shell() {
  const { lang } = useI18n();
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);

  useEffect(() => {
    dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  }, [lang]);

  useEffect(
    () =>
      onSignedOut(() => {
        setIdentity(null);
        queryClient.clear();
      }),
    [],
  );

  // A reload keeps the session of this tab: the stored key is checked again.
  useEffect(() => {
    if (!restoring) return;
    fetchIdentity()
      .then(setIdentity)
      .catch(() => forgetKey())
      .finally(() => setRestoring(false));
  }, [restoring]);

  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#1d5fbf' } }}>
      <AntApp>
        {restoring ? null : identity ? (
          <IdentityContext.Provider value={identity}>
            <AppLayout />
          </IdentityContext.Provider>
        ) : (
          <SignIn onSignedIn={setIdentity} />
        )}
      </AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <BrowserRouter basename="/console">
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <Shell />
        </I18nProvider>
      </QueryClientProvider>
    </BrowserRouter>
  );
}
