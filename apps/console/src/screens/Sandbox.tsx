import { Alert, App, Button, Card, Col, InputNumber, Radio, Row, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import definitionSchema from '../../../../tag-definitions/definition.schema.json';
import { api, unwrap } from '../api/client';
import { usePublishSandbox, useSandboxRun, useStartSandbox, useTags, useValidate } from '../api/queries';
import type { SandboxPopulation, TagDefinition, TagDetail } from '../api/types';
import { ErrorAlert, QueryState } from '../components/feedback';
import { JsonEditor } from '../components/lazy';
import { SandboxResult } from '../components/SandboxResult';
import { useI18n } from '../i18n/i18n';

// The draft being edited survives moving between the editor and a run's result in this tab.
const DRAFT_KEY = 'tagforge.sandboxDraft';

export function draftOf(detail: TagDetail): TagDefinition {
  const { version: _version, activatedAt: _activatedAt, ...definition } = detail.active!;
  return definition;
}

export function parseDraft(text: string): { definition?: TagDefinition; error?: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: 'a definition is a JSON object' };
    return { definition: value as TagDefinition };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export default function Sandbox() {
  const { runId } = useParams<{ runId: string }>();
  const navigate = useNavigate();
  const { t, tagName } = useI18n();
  const { message } = App.useApp();
  const tags = useTags();
  const [text, setText] = useState(() => sessionStorage.getItem(DRAFT_KEY) ?? '');
  const [population, setPopulation] = useState<'all' | 'sample'>('all');
  const [sampleSize, setSampleSize] = useState(1000);
  const [loadError, setLoadError] = useState<unknown>(null);
  const validate = useValidate();
  const start = useStartSandbox();
  const publish = usePublishSandbox();
  const run = useSandboxRun(runId);

  useEffect(() => {
    sessionStorage.setItem(DRAFT_KEY, text);
  }, [text]);

  const loadTag = async (id: string) => {
    setLoadError(null);
    try {
      const detail = await unwrap(api.GET('/v1/tags/{id}', { params: { path: { id } } }));
      setText(JSON.stringify(draftOf(detail), null, 2));
      validate.reset();
    } catch (error) {
      setLoadError(error);
    }
  };

  const parsed = parseDraft(text);
  const runSandbox = () => {
    if (!parsed.definition) return;
    const chosen: SandboxPopulation = population === 'all' ? 'all' : { sample: sampleSize, seed: 1 };
    start.mutate(
      { definitions: [parsed.definition], population: chosen },
      { onSuccess: (started) => void navigate(`/sandbox/${started.runId}`) },
    );
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('sandboxTitle')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('definition')}>
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Select
                showSearch
                aria-label={t('startFrom')}
                placeholder={t('startFrom')}
                style={{ width: '100%' }}
                optionFilterProp="label"
                onChange={(id: string) => void loadTag(id)}
                options={(tags.data ?? []).map((tag) => ({
                  value: tag.id,
                  label: `${tagName(tag)} (${tag.id})`,
                }))}
              />
              {loadError ? <ErrorAlert error={loadError} /> : null}
              <JsonEditor value={text} onChange={setText} schema={definitionSchema} label={t('definition')} />
              {parsed.error && text.trim() !== '' ? (
                <Alert type="error" showIcon title={parsed.error} />
              ) : null}
              <Space wrap>
                <Button
                  disabled={!parsed.definition}
                  loading={validate.isPending}
                  onClick={() => parsed.definition && validate.mutate(parsed.definition)}
                >
                  {t('validate')}
                </Button>
                <Radio.Group
                  value={population}
                  onChange={(event) => setPopulation(event.target.value as 'all' | 'sample')}
                  aria-label={t('population')}
                >
                  <Radio.Button value="all">{t('everyone')}</Radio.Button>
                  <Radio.Button value="sample">{t('sample')}</Radio.Button>
                </Radio.Group>
                {population === 'sample' ? (
                  <InputNumber
                    aria-label={t('sampleSize')}
                    min={1}
                    max={100000}
                    value={sampleSize}
                    onChange={(value) => setSampleSize(value ?? 1000)}
                  />
                ) : null}
                <Button
                  type="primary"
                  disabled={!parsed.definition}
                  loading={start.isPending}
                  onClick={runSandbox}
                >
                  {t('run')}
                </Button>
              </Space>
              {validate.isError ? <ErrorAlert error={validate.error} /> : null}
              {validate.isSuccess ? (
                <Alert
                  type={validate.data.warnings.length > 0 ? 'warning' : 'success'}
                  showIcon
                  title={t('valid')}
                  description={
                    validate.data.warnings.length > 0 ? (
                      <ul className="problems">
                        {validate.data.warnings.map((warning, index) => (
                          <li key={index}>
                            <code>{warning.pointer}</code> {warning.message}
                          </li>
                        ))}
                      </ul>
                    ) : undefined
                  }
                />
              ) : null}
              {start.isError ? <ErrorAlert error={start.error} /> : null}
            </Space>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          {runId ? (
            <Card
              size="small"
              title={t('sandboxResult')}
              extra={
                <Button
                  type="primary"
                  disabled={run.data?.status !== 'succeeded' || publish.isSuccess}
                  loading={publish.isPending}
                  onClick={() =>
                    publish.mutate(runId, {
                      onSuccess: (published) =>
                        void message.success(
                          t('published', {
                            drafts: published.drafts
                              .map((draft) => `${draft.tagId} v${draft.version}`)
                              .join(', '),
                          }),
                        ),
                    })
                  }
                >
                  {t('publish')}
                </Button>
              }
            >
              <Space orientation="vertical" style={{ width: '100%' }}>
                {publish.isError ? <ErrorAlert error={publish.error} /> : null}
                {publish.isSuccess ? (
                  <Alert
                    type="success"
                    showIcon
                    data-testid="published"
                    title={t('published', {
                      drafts: publish.data.drafts
                        .map((draft) => `${draft.tagId} v${draft.version}`)
                        .join(', '),
                    })}
                    description={publish.data.drafts.map((draft) => (
                      <Link key={draft.tagId} to={`/review/${draft.tagId}/${draft.version}`}>
                        {t('review')} {draft.tagId} v{draft.version}{' '}
                      </Link>
                    ))}
                  />
                ) : null}
                <QueryState query={run}>{() => <SandboxResult run={run.data!} />}</QueryState>
              </Space>
            </Card>
          ) : null}
        </Col>
      </Row>
    </Space>
  );
}
