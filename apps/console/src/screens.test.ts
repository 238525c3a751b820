import { describe, expect, it } from 'vitest';
import { grants, missingScopes } from './auth/scopes';
import { availability, SCREENS, screenByKey } from './screens';

describe('scope gating', () => {
  it('admin implies every scope', () => {
    expect(grants(['admin'], 'bureau:read')).toBe(true);
    expect(missingScopes(['admin'], ['definitions:write', 'tags:read'])).toEqual([]);
  });

  it('says which scopes a key lacks for a screen', () => {
    expect(availability(screenByKey('sandbox'), ['tags:read'])).toEqual({
      available: false,
      reason: 'scope',
      missing: ['definitions:write'],
    });
    expect(availability(screenByKey('audit'), ['tags:read', 'definitions:write'])).toEqual({
      available: false,
      reason: 'scope',
      missing: ['admin'],
    });
    expect(availability(screenByKey('customer'), ['tags:read'])).toEqual({ available: true });
  });

  it('names the endpoint a screen waits for once the scopes are there', () => {
    const waiting = { ...screenByKey('campaigns'), awaits: { endpoint: 'POST /v1/example', issue: 99 } };
    expect(availability(waiting, ['admin'])).toEqual({
      available: false,
      reason: 'endpoint',
      endpoint: 'POST /v1/example',
      issue: 99,
    });
  });

  it('opens campaigns to insights:read, whatever else the key holds', () => {
    expect(availability(screenByKey('campaigns'), ['segments:read'])).toEqual({
      available: false,
      reason: 'scope',
      missing: ['insights:read'],
    });
    expect(availability(screenByKey('campaigns'), ['insights:read'])).toEqual({ available: true });
    expect(SCREENS.filter((screen) => screen.awaits)).toEqual([]);
  });

  it('gives a call-centre key the customer screen and the catalog, and nothing that writes', () => {
    const open = SCREENS.filter(
      (screen) => availability(screen, ['tags:read', 'profiles:read']).available,
    ).map((screen) => screen.key);
    expect(open).toEqual(['catalog', 'customer', 'runs']);
  });
});
