import { HEADLINE_SEGMENTS } from '@tagforge/catalog';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import type { Deployment } from '../reliability/support/deployment';
import { HttpClient } from '../reliability/support/http-client';
import { say, waitFor } from '../reliability/support/scenario-kit';
import { BrowserSession } from './support/browser';
import type { ConsoleKeys } from './support/console-deployment';
import { closeConsoleFile, expectCleanScreens, openConsoleFile } from './support/console-file';
import { screenshot } from './support/screenshots';

// The insight screens of issue 17 in headless Chromium against the real services: a marketing
// manager reads segment trends, overlaps and a breakdown, counts an ad-hoc combination and exports
// it, then runs a campaign with a control group, uploads its outcomes and reads the lift. Every
// number on the page is checked against the API's own answer to the same question.
const SCENARIO = 'console-insights';
const HEADLINE = HEADLINE_SEGMENTS;

interface SizePoint {
  size: number;
  entered: number;
  exited: number;
}

let deployment: Deployment | undefined;
let keys: ConsoleKeys;
let origin: string;
let session: BrowserSession;
let api: HttpClient;

const digitsOf = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));
const en = (value: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(value);

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const result = method === 'GET' ? await api.get(path) : await api.post(path, body);
  if (result.status !== 200 && result.status !== 201) {
    throw new Error(`${method} ${path}: ${result.status} ${JSON.stringify(result.body)}`);
  }
  return result.body as T;
}

async function pick(page: Page, scope: Locator, label: string, text: string) {
  const box = scope.getByRole('combobox', { name: label });
  await box.click();
  await box.fill(text);
  await page
    .locator('.ant-select-dropdown:visible .ant-select-item-option')
    .filter({ hasText: text })
    .first()
    .click();
}

beforeAll(async () => {
  ({ deployment, keys, origin, session, api } = await openConsoleFile(SCENARIO, (all) => all.marketing));
});

afterAll(() => closeConsoleFile({ deployment, session, api }));

afterEach(() => expectCleanScreens(session));

describe('a marketing manager in the console', () => {
  test("the overview shows each headline segment's 30-day trend and today's entered / exited, as the API counts them", async () => {
    const page = session.page;
    await page.goto(`${origin}/console/`);
    await page.getByLabel('API key').fill(keys.marketing);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const segments = await call<{ items: { id: string }[] }>('GET', '/v1/segments');
    const shown = HEADLINE.filter((id) => segments.items.some((segment) => segment.id === id));
    expect(shown.length).toBeGreaterThan(0);
    for (const id of shown) {
      await page.getByTestId(`trend-${id}`).waitFor();
      const sizes = await call<{ interval: string; points: SizePoint[] }>('GET', `/v1/audiences/${id}/sizes`);
      expect(sizes.points).toHaveLength(31);
      const today = sizes.points[sizes.points.length - 1];
      expect(digitsOf(await page.getByTestId(`today-entered-${id}`).textContent())).toBe(today.entered);
      expect(digitsOf(await page.getByTestId(`today-exited-${id}`).textContent())).toBe(today.exited);
      await page.getByTestId(`trend-${id}`).getByRole('img', { name: '30-day size trend' }).waitFor();
    }
    await screenshot(page, '02-overview-trends');
  });

  test("the explorer's size trend, overlap heat-map and breakdown with TGI equal the API's", async () => {
    const page = session.page;
    const audience = 'low_risk_customers';
    await page.goto(`${origin}/console/explorer/segment/${audience}`);
    const sizes = await call<{ points: SizePoint[] }>('GET', `/v1/audiences/${audience}/sizes`);
    const last = sizes.points[sizes.points.length - 1];
    const segment = await call<{ size: number }>('GET', `/v1/segments/${audience}`);
    // The size at the end of the running interval is the size now.
    expect(last.size).toBe(segment.size);
    await page.getByTestId('explorer-trend-size').waitFor();
    expect(digitsOf(await page.getByTestId('explorer-trend-size').textContent())).toBe(last.size);
    expect(digitsOf(await page.getByTestId('explorer-trend-entered').textContent())).toBe(last.entered);
    expect(digitsOf(await page.getByTestId('explorer-trend-exited').textContent())).toBe(last.exited);

    // The overlap starts from this audience and the first headline segments.
    const chosen = [...new Set([audience, ...HEADLINE])].slice(0, 4);
    const overlap = await call<{ intersections: number[][]; jaccard: number[][]; union: number }>(
      'POST',
      '/v1/insights/overlap',
      { audiences: chosen },
    );
    await page.getByTestId('overlap-union').waitFor();
    expect(digitsOf(await page.getByTestId('overlap-union').textContent())).toBe(overlap.union);
    for (let i = 0; i < chosen.length; i++) {
      for (let j = 0; j < chosen.length; j++) {
        const cell = (await page.getByTestId(`overlap-${i}-${j}`).textContent()) ?? '';
        const expected =
          i === j
            ? en(overlap.intersections[i][j])
            : `${en(overlap.intersections[i][j])} (${en(overlap.jaccard[i][j])})`;
        expect(cell).toBe(expected);
      }
    }
    await page.getByRole('img', { name: 'Overlap heat-map' }).waitFor();

    // Breakdown by age band: every row's TGI as the API gives it.
    const breakdownCard = page.locator('.ant-card').filter({ hasText: 'Breakdown by a category tag' });
    await pick(page, breakdownCard, 'Break down by', 'age_band');
    const breakdown = await call<{ rows: { key: string | null; tgi: number | null; audience: number }[] }>(
      'GET',
      `/v1/insights/breakdown?audience=${audience}&by=age_band`,
    );
    expect(breakdown.rows.length).toBeGreaterThan(1);
    for (const row of breakdown.rows) {
      const cell = page.getByTestId(`tgi-${row.key ?? 'none'}`);
      await cell.waitFor();
      expect(await cell.textContent()).toBe(
        row.tgi === null ? '—' : new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(row.tgi),
      );
    }
    await breakdownCard.getByRole('img', { name: 'Breakdown by a category tag (TGI)' }).waitFor();
    await page.getByRole('img', { name: 'Overlap heat-map' }).scrollIntoViewIfNeeded();
    await screenshot(page, '04-explorer-overlap');
    say(SCENARIO, `overlap of ${chosen.join(', ')} and the age_band breakdown equal the API's`);
  });

  test('an ad-hoc combination (AND NOT) counts live what the API counts, and its CSV is the API export', async () => {
    const page = session.page;
    const builder = page.getByTestId('ad-hoc');
    await builder.scrollIntoViewIfNeeded();
    await pick(page, page.getByTestId('condition-0-0'), 'Tag or segment', 'low_risk_customers');
    const rule1 = { var: 'tags.low_risk_customers' };
    const first = await call<{ size: number }>('POST', '/v1/insights/count', { rule: rule1 });
    await waitFor('the live count of one condition', 20_000, async () =>
      digitsOf(await page.getByTestId('ad-hoc-size').textContent()) === first.size ? true : undefined,
    );

    await builder.getByRole('button', { name: 'Add condition' }).click();
    await pick(page, page.getByTestId('condition-0-1'), 'Tag or segment', 'do_not_market');
    await page.getByTestId('condition-0-1').getByRole('checkbox', { name: 'NOT' }).check();
    const rule = { and: [rule1, { '!': { var: 'tags.do_not_market' } }] };
    const counted = await call<{ size: number; population: number }>('POST', '/v1/insights/count', { rule });
    await waitFor('the live count of low risk AND NOT do-not-market', 20_000, async () =>
      digitsOf(await page.getByTestId('ad-hoc-size').textContent()) === counted.size &&
      !(await builder.getByText('Counting…').isVisible())
        ? true
        : undefined,
    );
    await screenshot(page, '04-explorer-ad-hoc');

    // Saved by the browser from a one-time link, like a segment's export: the page fetches the link
    // only, never the list.
    const fetched: string[] = [];
    const onRequest = (request: import('playwright-core').Request) => {
      if (['fetch', 'xhr'].includes(request.resourceType()))
        fetched.push(`${request.method()} ${request.url()}`);
    };
    page.on('request', onRequest);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('ad-hoc-export').click(),
    ]);
    const saved = readFileSync(await download.path(), 'utf8');
    page.off('request', onRequest);
    expect(fetched).toEqual([`POST ${origin}/v1/insights/export:link`]);
    const exported = await api.send('POST', '/v1/insights/export', JSON.stringify({ rule, format: 'csv' }), {
      contentType: 'application/json',
      accept: 'text/csv',
    });
    expect(exported.status).toBe(200);
    expect(saved).toBe(exported.body);
    expect(saved.trim().split('\n')).toHaveLength(counted.size + 1);
    expect(download.suggestedFilename()).toBe('ad-hoc-audience.csv');
    say(
      SCENARIO,
      `ad-hoc low_risk_customers AND NOT do_not_market: ${counted.size} of ${counted.population}`,
    );
  });

  test('a campaign is created with a control group, its outcomes uploaded as CSV, and the report shows the API lift', async () => {
    const page = session.page;
    const id = `console-${Date.now()}`;
    await page.goto(`${origin}/console/campaigns`);
    await page.getByLabel('Campaign id').fill(id);
    await page.getByLabel('Name', { exact: true }).fill('Low-risk loan push');
    const form = page.locator('.ant-card').filter({ hasText: 'New campaign' });
    await pick(page, form, 'Audience', 'low_risk_customers');
    await page.getByLabel('Holdout %').fill('30');
    await page.getByRole('button', { name: 'Create and freeze' }).click();
    await page.waitForURL(`${origin}/console/campaigns/${id}`);
    const campaign = await call<{ groups: { target: number; control: number } }>(
      'GET',
      `/v1/campaigns/${id}`,
    );
    expect(campaign.groups.control).toBeGreaterThan(0);
    expect(digitsOf(await page.getByTestId('group-target').textContent())).toBe(campaign.groups.target);
    expect(digitsOf(await page.getByTestId('group-control').textContent())).toBe(campaign.groups.control);

    // Everyone was contacted; every third target member and every fifth control member converted.
    const members = await call<{ items: { customerId: string; group: string }[] }>(
      'GET',
      `/v1/campaigns/${id}/members?limit=1000`,
    );
    const seen = { target: 0, control: 0 };
    const csv = ['customer_id,outcome,at,amount'];
    for (const member of members.items) {
      csv.push(`${member.customerId},contacted,2026-12-01T09:00:00Z,`);
      const n = seen[member.group as 'target' | 'control']++;
      if (n % (member.group === 'target' ? 3 : 5) === 0) {
        csv.push(`${member.customerId},converted,2026-12-02T10:00:00Z,50000`);
      }
    }
    await page.getByLabel('Outcomes file (CSV or NDJSON)').setInputFiles({
      name: 'outcomes.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv.join('\n') + '\n'),
    });
    await waitFor('the file read into the text box', 10_000, async () =>
      (await page.getByLabel('Outcomes (CSV or NDJSON)').inputValue()).startsWith('customer_id')
        ? true
        : undefined,
    );
    await page.getByRole('button', { name: 'Record outcomes' }).click();
    await page.getByTestId('outcomes-recorded').waitFor();
    expect(await page.getByTestId('outcomes-recorded').textContent()).toContain(
      `${en(csv.length - 1)} of ${en(csv.length - 1)} lines recorded, 0 refused`,
    );

    const report = await call<{
      total: {
        lift: Record<string, { difference: number | null; relativeLift: number | null }>;
      };
    }>('GET', `/v1/campaigns/${id}/report`);
    const lift = report.total.lift.converted;
    expect(lift.relativeLift).not.toBeNull();
    const percent = new Intl.NumberFormat('en-US', {
      style: 'percent',
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
      signDisplay: 'exceptZero',
    });
    const points = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
      signDisplay: 'exceptZero',
    });
    await page.getByTestId('lift-converted').waitFor();
    expect(await page.getByTestId('lift-converted').textContent()).toBe(percent.format(lift.relativeLift!));
    expect(await page.getByTestId('difference-converted').textContent()).toBe(
      `${points.format(lift.difference! * 100)} pp`,
    );
    await page.getByRole('img', { name: 'Rates with Wilson 95 % intervals' }).waitFor();
    await page
      .getByRole('img', { name: 'Target minus control, percentage points (95 % interval)' })
      .waitFor();
    await page.getByRole('img', { name: 'Rates with Wilson 95 % intervals' }).scrollIntoViewIfNeeded();
    await screenshot(page, '11-campaign-report');
    say(
      SCENARIO,
      `campaign ${id}: relative lift of converted ${percent.format(lift.relativeLift!)}, as the API reports`,
    );

    await page.goto(`${origin}/console/campaigns`);
    await page.getByTestId('campaigns').getByRole('link', { name: id }).waitFor();
    await screenshot(page, '11-campaigns');
  });

  test("a tag page shows a category tag's distribution with its coverage, and its size over time by value", async () => {
    const page = session.page;
    await page.goto(`${origin}/console/catalog/age_band`);
    const distribution = await call<{
      labels: string[];
      current: { covered: number; population: number };
    }>('GET', '/v1/tags/age_band/distribution');
    await page.getByTestId('distribution-coverage').waitFor();
    const coverage = (await page.getByTestId('distribution-coverage').textContent()) ?? '';
    expect(
      coverage.startsWith(`${en(distribution.current.covered)} of ${en(distribution.current.population)}`),
    ).toBe(true);
    await page.getByRole('img', { name: 'Distribution' }).waitFor();
    const value = distribution.labels[0];
    const sizes = await call<{ points: SizePoint[] }>('GET', `/v1/audiences/age_band/sizes?value=${value}`);
    await page.getByTestId('size-trend-size').waitFor();
    expect(digitsOf(await page.getByTestId('size-trend-size').textContent())).toBe(
      sizes.points[sizes.points.length - 1].size,
    );
    await screenshot(page, '03-tag-page-distribution');
  });
});
