import type { Deployment } from '../../reliability/support/deployment';
import { HttpClient } from '../../reliability/support/http-client';
import { say } from '../../reliability/support/scenario-kit';
import { BrowserSession } from './browser';
import { startConsoleDeployment, type ConsoleKeys } from './console-deployment';

// What a browser test file with one signed-in browser and one API client shares: the deployment
// (API, worker, demo customers), its keys, the origin, the session and a client with `keyOf`'s key.
export interface ConsoleFile {
  deployment: Deployment;
  keys: ConsoleKeys;
  origin: string;
  session: BrowserSession;
  api: HttpClient;
}

export async function openConsoleFile(
  scenario: string,
  keyOf: (keys: ConsoleKeys) => string,
): Promise<ConsoleFile> {
  const started = Date.now();
  const { deployment, keys } = await startConsoleDeployment();
  const origin = deployment.api.url;
  const api = new HttpClient(origin, keyOf(keys), 4);
  const session = await BrowserSession.open(origin);
  say(scenario, `API, worker and demo customers ready in ${Date.now() - started} ms`);
  return { deployment, keys, origin, session, api };
}

export async function closeConsoleFile(file: Partial<ConsoleFile>): Promise<void> {
  await file.session?.close();
  file.api?.close();
  await file.deployment?.close();
}

// After every test: no screen logged an error or fetched anything from outside the API's origin.
export function expectCleanScreens(session: BrowserSession): void {
  expect(session.consoleErrors.splice(0)).toEqual([]);
  expect(session.foreignRequests.splice(0)).toEqual([]);
}
