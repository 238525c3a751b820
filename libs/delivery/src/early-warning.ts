// The early-warning audience set: every active boolean tag of category `early_warning` that reads
// the profile only (the signals themselves, not the umbrella `early_warning` tag or the count built
// from them), and the watchlist segment. Pure.
export const WATCHLIST_SEGMENT = 'early_warning_watchlist';

export interface DefinitionSummary {
  tagId: string;
  kind: string;
  meta: Record<string, unknown>;
  dependsOnTags: readonly string[];
  dependsOnPaths: readonly string[];
}

export function earlyWarningTags(active: readonly DefinitionSummary[]): string[] {
  const signals = active
    .filter(
      (definition) =>
        definition.kind === 'boolean' &&
        definition.meta.category === 'early_warning' &&
        definition.dependsOnTags.length === 0,
    )
    .map((definition) => definition.tagId);
  const watchlist = active.some((definition) => definition.tagId === WATCHLIST_SEGMENT)
    ? [WATCHLIST_SEGMENT]
    : [];
  return [...signals, ...watchlist].sort();
}

export const readsBureau = (definition: DefinitionSummary) =>
  definition.dependsOnPaths.some((path) => path === 'bureau' || path.startsWith('bureau.'));
