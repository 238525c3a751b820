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

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

// admin implies every scope.
export function grants(held: readonly string[], required: Scope): boolean {
  return held.includes('admin') || held.includes(required);
}
