// Mirrors libs/auth/src/scopes.ts: admin implies every scope.
export const SCOPES = [
  'profiles:write',
  'profiles:read',
  'tags:read',
  'segments:read',
  'definitions:write',
  'bureau:read',
  'insights:read',
  'campaigns:write',
  'destinations:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function grants(held: readonly string[], required: Scope): boolean {
  return held.includes('admin') || held.includes(required);
}

// The scopes a key lacks for a screen (empty: the screen is available).
export function missingScopes(held: readonly string[], required: readonly Scope[]): Scope[] {
  return required.filter((scope) => !grants(held, scope));
}
