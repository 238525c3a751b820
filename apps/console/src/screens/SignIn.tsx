import { Button, Card, Form, Input, Segmented, Space, Typography } from 'antd';
import { useState } from 'react';
import { fetchIdentity } from '../api/queries';
import { forgetKey, storeKey, type Identity } from '../auth/session';
import { ErrorAlert } from '../components/feedback';
import { useI18n, type Lang } from '../i18n/i18n';

export function SignIn({ onSignedIn }: { onSignedIn: (identity: Identity) => void }) {
  const { t, lang, setLang } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async ({ key }: { key: string }) => {
    setBusy(true);
    setError(null);
    storeKey(key.trim());
    try {
      onSignedIn(await fetchIdentity());
    } catch (failure) {
      forgetKey();
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ display: 'flex', justifyContent: 'center', paddingTop: '12vh' }}>
      <Card style={{ width: 440 }}>
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Space style={{ width: '100%', justifyContent: 'space-between' }}>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {t('appName')}
            </Typography.Title>
            <Segmented<Lang>
              aria-label={t('language')}
              value={lang}
              onChange={setLang}
              options={[
                { label: 'English', value: 'en' },
                { label: '中文', value: 'zh' },
              ]}
            />
          </Space>
          {error ? <ErrorAlert error={error} /> : null}
          <Form
            layout="vertical"
            onFinish={(values: { key: string }) => void submit(values)}
            requiredMark={false}
          >
            <Form.Item
              label={t('apiKey')}
              name="key"
              extra={t('apiKeyHelp')}
              rules={[{ required: true, whitespace: true, message: t('apiKey') }]}
            >
              <Input.Password autoComplete="off" autoFocus placeholder="tfk_…" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t('signIn')}
            </Button>
          </Form>
        </Space>
      </Card>
    </div>
  );
}
