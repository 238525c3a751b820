import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../../reliability/support/settings';

// `npm run docs:console` sets CONSOLE_SCREENSHOTS=docs/console: the journey then saves a picture of
// every screen it passes for docs/console.md.
const TARGET = process.env.CONSOLE_SCREENSHOTS ? resolve(REPO_ROOT, process.env.CONSOLE_SCREENSHOTS) : null;
if (TARGET) mkdirSync(TARGET, { recursive: true });

export async function screenshot(page: Page, name: string): Promise<void> {
  if (!TARGET) return;
  // Let charts and transitions settle.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(TARGET, `${name}.png`), fullPage: false });
}
