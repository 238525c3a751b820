import { scopeDefinitionsOf, scopeTagsOf, type RunView, type TagDetail } from '../api/types';

// Tags that recent sandbox runs tried: where drafts waiting for a checker come from. (There is
// no endpoint listing drafts; a draft made elsewhere is opened from its tag page.)
export function triedTags(runs: readonly RunView[], max = 10): string[] {
  const seen: string[] = [];
  for (const run of runs) {
    if (run.kind !== 'sandbox') continue;
    for (const tagId of scopeTagsOf(run)) if (!seen.includes(tagId)) seen.push(tagId);
  }
  return seen.slice(0, max);
}

export function draftsOf(
  details: readonly TagDetail[],
): { tagId: string; version: number; createdBy: string | null; createdAt: string }[] {
  return details
    .flatMap((detail) =>
      detail.versions
        .filter((version) => version.status === 'draft')
        .map((version) => ({
          tagId: detail.id,
          version: version.version,
          createdBy: version.createdBy,
          createdAt: version.createdAt,
        })),
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

// The latest finished sandbox run that tried exactly this rule for this tag.
export function sandboxRunFor(runs: readonly RunView[], tagId: string, rule: unknown): RunView | undefined {
  const wanted = JSON.stringify(rule);
  return runs.find(
    (run) =>
      run.kind === 'sandbox' &&
      run.status === 'succeeded' &&
      scopeDefinitionsOf(run).some(
        (definition) => definition.id === tagId && JSON.stringify(definition.rule) === wanted,
      ),
  );
}
