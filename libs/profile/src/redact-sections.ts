import type { JsonObject } from './json-value';

// A shallow copy without the named top-level sections, e.g. `bureau` for API keys without
// `bureau:read`. The kept sections are shared with `profile`, not cloned.
export function redactSections(profile: JsonObject, hidden: readonly string[]): JsonObject {
  const hiddenSet = new Set(hidden);
  return Object.fromEntries(Object.entries(profile).filter(([section]) => !hiddenSet.has(section)));
}
