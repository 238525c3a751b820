import { Card, Space, Typography } from 'antd';
import { Awaiting } from '../components/feedback';
import { useI18n } from '../i18n/i18n';

// Campaigns with control groups, outcomes and reports arrive with the insights endpoints (issue 16).
export default function Campaigns() {
  const { t } = useI18n();
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('campaignsTitle')}</Typography.Title>
      <Card size="small">
        <Awaiting endpoint="POST /v1/campaigns" issue={16} />
      </Card>
    </Space>
  );
}
