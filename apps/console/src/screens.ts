import type { Scope } from './auth/scopes';
import { missingScopes } from './auth/scopes';
import type { MessageKey } from './i18n/messages';

// Every screen of the console, what a key needs to see it, and what the API must offer. A screen
// waiting for endpoints of another issue is listed with them, so it slots in when they land.
export interface ScreenSpec {
  key: string;
  path: string;
  label: MessageKey;
  // Every one of these scopes is needed.
  scopes: readonly Scope[];
  // Endpoints the screen needs that this API does not have yet.
  awaits?: { endpoint: string; issue: number };
}

export const SCREENS: readonly ScreenSpec[] = [
  { key: 'overview', path: '/', label: 'navOverview', scopes: ['segments:read'] },
  { key: 'catalog', path: '/catalog', label: 'navCatalog', scopes: ['tags:read'] },
  { key: 'explorer', path: '/explorer', label: 'navExplorer', scopes: ['segments:read'] },
  { key: 'customer', path: '/customers', label: 'navCustomer', scopes: ['tags:read'] },
  { key: 'sandbox', path: '/sandbox', label: 'navSandbox', scopes: ['definitions:write', 'tags:read'] },
  { key: 'review', path: '/review', label: 'navReview', scopes: ['definitions:write', 'tags:read'] },
  { key: 'campaigns', path: '/campaigns', label: 'navCampaigns', scopes: ['insights:read'] },
  { key: 'runs', path: '/runs', label: 'navRuns', scopes: ['tags:read'] },
  { key: 'audit', path: '/audit', label: 'navAudit', scopes: ['admin'] },
];

export type Availability =
  | { available: true }
  | { available: false; reason: 'scope'; missing: Scope[] }
  | { available: false; reason: 'endpoint'; endpoint: string; issue: number };

export function availability(screen: ScreenSpec, held: readonly string[]): Availability {
  const missing = missingScopes(held, screen.scopes);
  if (missing.length > 0) return { available: false, reason: 'scope', missing };
  if (screen.awaits) return { available: false, reason: 'endpoint', ...screen.awaits };
  return { available: true };
}

export function screenByKey(key: string): ScreenSpec {
  const screen = SCREENS.find((candidate) => candidate.key === key);
  if (!screen) throw new Error(`no screen ${key}`);
  return screen;
}
