import { HEADLINE_SEGMENTS } from '@tagforge/catalog';
import { createReadStream } from 'node:fs';
import { compareProportions, type Comparison, type Interval } from '@tagforge/campaigns';
import type { DemoDataset } from '@tagforge/demo-data';
import { ApiClient, ApiError } from './api-client';

const PROFILE_BATCH = 5000;
const OUTCOME_BATCH = 10_000;

// Boolean tags the playbook's claims lean on (intent, risk, the channel history); the model tags
// likely_deposit_taker and default_risk_grade were trained on these very outcomes (docs/models.md), so
// their rows are in-sample.
export const REPORT_BOOLEAN_TAGS = [
  'high_intent',
  'low_risk',
  'high_risk',
  'currently_overdue',
  'early_warning',
  'likely_deposit_taker',
  'previous_campaign_success',
  'campaign_responder',
  'marketing_fatigue',
  'has_mortgage',
  'has_consumer_loan',
];

// The category tags a report is cut by, where the catalog defines them and the data sets them.
export const REPORT_CATEGORY_TAGS = [
  'age_band',
  'occupation_type',
  'value_tier',
  'risk_grade',
  'default_risk_grade',
  'bureau_score_band',
  'preferred_channel',
  'loan_need_scenario',
];

interface BatchReport {
  ok: number;
  results: { line: number; status: string; error?: { message?: string } }[];
}

interface RateView {
  count: number;
  rate: number | null;
  interval: Interval | null;
}

interface SliceView {
  value?: unknown;
  groups: { group: string; members: number; outcomes: Record<string, RateView> }[];
}

interface ReportView {
  total: SliceView;
  values?: SliceView[];
}

export interface ReportRow {
  slice: string;
  members: number;
  count: number;
  rate: number | null;
  interval: Interval | null;
  // This slice against everyone else in the campaign.
  vsRest: Comparison;
}

const pending = (lines: string[]) => (lines.length > 0 ? `${lines.join('\n')}\n` : '');

async function post(api: ApiClient, path: string, lines: string[]): Promise<BatchReport> {
  return api.request<BatchReport>('POST', path, pending(lines), 'application/x-ndjson');
}

// Waits until every sampled customer's tags have caught up with its profile, then until the segment
// sizes hold still: the worker has evaluated the whole load.
async function waitForEvaluation(api: ApiClient, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const sample = ids.filter((_, index) => index % 500 === 0 || index === ids.length - 1);
  for (;;) {
    const states = await Promise.all(
      sample.map((id) =>
        api
          .request<{ profileVersion: number; evaluatedVersion: number }>('GET', `/v1/customers/${id}/tags`)
          .then((tags) => tags.evaluatedVersion >= tags.profileVersion),
      ),
    );
    if (states.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error('the worker did not evaluate the loaded customers in time');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  let previous = '';
  for (;;) {
    const { items } = await api.request<{ items: { id: string; size: number }[] }>('GET', '/v1/segments');
    const sizes = JSON.stringify(items.map((item) => [item.id, item.size]));
    if (sizes === previous || Date.now() > deadline) return;
    previous = sizes;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

/**
 * Loads a public dataset through the API as profiles without their outcome, waits for the tags, freezes
 * one campaign over everyone (no holdout: nobody in the data was held out) and records each label of 1
 * as the dataset's outcome. Returns the campaign id.
 */
export async function loadDataset(
  api: ApiClient,
  dataset: DemoDataset,
  file: string,
  log: (line: string) => void,
): Promise<string> {
  const now = Date.now();
  const ids: string[] = [];
  let lines: string[] = [];
  let loaded = 0;
  for await (const record of dataset.profiles(createReadStream(file), now)) {
    lines.push(JSON.stringify(record));
    ids.push(record.customerId);
    if (lines.length === PROFILE_BATCH) {
      loaded += (await post(api, '/v1/profiles:batch', lines)).ok;
      lines = [];
    }
  }
  if (lines.length > 0) loaded += (await post(api, '/v1/profiles:batch', lines)).ok;
  log(
    `loaded ${loaded} of ${ids.length} ${dataset.name} customers (no outcome in any profile); waiting for their tags`,
  );
  await waitForEvaluation(api, ids, 60 * 60_000);

  const { id, name, channel } = dataset.campaign;
  const campaign = await api
    .request<{ members: number }>(
      'POST',
      '/v1/campaigns',
      JSON.stringify({ id, name, audience: '*', channel, holdoutPercent: 0 }),
    )
    .catch(async (error: unknown) => {
      if (error instanceof ApiError && error.status === 409) {
        log(`campaign ${id} exists: recording its outcomes again (idempotent)`);
        return api.request<{ members: number }>('GET', `/v1/campaigns/${id}`);
      }
      throw error;
    });
  if (campaign.members !== ids.length) {
    log(
      `campaign ${id} froze ${campaign.members} customers, the dataset has ${ids.length}: this database holds other customers, whose missing outcomes dilute the report; load into an empty database`,
    );
  }
  // The outcome happened before it is recorded.
  const at = new Date(now - 1000).toISOString();
  let recorded = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    recorded += (await post(api, `/v1/campaigns/${id}/outcomes`, batch)).ok;
    batch = [];
  };
  for await (const { customerId, label } of dataset.labels(createReadStream(file))) {
    if (dataset.everyoneContacted) batch.push(JSON.stringify({ customerId, outcome: 'contacted', at }));
    if (label === 1) batch.push(JSON.stringify({ customerId, outcome: dataset.outcome, at }));
    if (batch.length >= OUTCOME_BATCH - 1) await flush();
  }
  await flush();
  log(`recorded ${recorded} outcomes on campaign ${id}`);
  return id;
}

const label = (value: unknown) => (value === null || value === undefined ? '(none)' : String(value));

/** Rows of the real-data report: the whole campaign, each headline segment, each category value. */
export async function reportRows(
  api: ApiClient,
  campaignId: string,
  outcome: string,
): Promise<{ total: ReportRow; rows: ReportRow[] }> {
  const target = (slice: SliceView) => slice.groups.find((group) => group.group === 'target')!;
  const total = target((await api.request<ReportView>('GET', `/v1/campaigns/${campaignId}/report`)).total);
  const whole = { count: total.outcomes[outcome].count, members: total.members };
  const row = (name: string, slice: SliceView): ReportRow => {
    const group = target(slice);
    const rate = group.outcomes[outcome];
    const inside = { count: rate.count, members: group.members };
    return {
      slice: name,
      members: group.members,
      count: rate.count,
      rate: rate.rate,
      interval: rate.interval,
      vsRest: compareProportions(inside, {
        count: whole.count - inside.count,
        members: whole.members - inside.members,
      }),
    };
  };
  const defined = new Set(
    (await api.request<{ items: { id: string; kind: string }[] }>('GET', '/v1/tags')).items
      .filter((tag) => tag.kind !== 'number')
      .map((tag) => tag.id),
  );
  const rows: ReportRow[] = [];
  const booleans = new Set([...HEADLINE_SEGMENTS, ...REPORT_BOOLEAN_TAGS]);
  for (const tagId of [...booleans, ...REPORT_CATEGORY_TAGS].filter((id) => defined.has(id))) {
    const report = await api.request<ReportView>('GET', `/v1/campaigns/${campaignId}/report?by=${tagId}`);
    const values = report.values ?? [];
    if (booleans.has(tagId)) {
      // A segment or tag nobody in the data holds is a row of none.
      const none = { count: 0, rate: null, interval: null };
      const members = values.find((slice) => slice.value === true) ?? {
        groups: [{ group: 'target', members: 0, outcomes: { [outcome]: none } }],
      };
      rows.push(row(tagId, members));
      continue;
    }
    // A tag nobody in the data carries says nothing.
    if (values.every((slice) => slice.value === null)) continue;
    for (const slice of values) rows.push(row(`${tagId} = ${label(slice.value)}`, slice));
  }
  return { total: row('everyone', { groups: [total] }), rows };
}

const percent = (value: number | null, digits = 1) =>
  value === null ? '–' : `${(value * 100).toFixed(digits)} %`;
const interval = (value: Interval | null) =>
  value === null ? '–' : `${(value.low * 100).toFixed(1)}–${(value.high * 100).toFixed(1)} %`;
const points = (value: Interval | null, difference: number | null) =>
  value === null || difference === null
    ? '–'
    : `${(difference * 100).toFixed(1)} pp (${(value.low * 100).toFixed(1)} to ${(value.high * 100).toFixed(1)})`;
const pValue = (value: number | null) =>
  value === null ? '–' : value < 0.0001 ? '< 0.0001' : value.toFixed(4);

/** The report as a Markdown table. */
export function markdownReport(outcome: string, report: { total: ReportRow; rows: ReportRow[] }): string {
  const header = `| slice | customers | ${outcome} | rate | 95 % interval | vs everyone else (95 %) | relative | p |\n|---|---:|---:|---:|---|---|---:|---:|\n`;
  const line = (row: ReportRow, whole = false) =>
    `| ${row.slice} | ${row.members} | ${row.count} | ${percent(row.rate)} | ${interval(row.interval)} | ${whole ? '' : points(row.vsRest.differenceInterval, row.vsRest.difference)} | ${whole || row.vsRest.relativeLift === null ? '' : `${row.vsRest.relativeLift >= 0 ? '+' : ''}${(row.vsRest.relativeLift * 100).toFixed(0)} %`} | ${whole ? '' : pValue(row.vsRest.pValue)} |\n`;
  return header + line(report.total, true) + report.rows.map((row) => line(row)).join('');
}
