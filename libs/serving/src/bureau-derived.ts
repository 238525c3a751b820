import type { TagDefinitionEntity } from '@tagforge/persistence';

const isBureauPath = (path: string) => path === 'bureau' || path.startsWith('bureau.');

/**
 * Whether a tag's value is computed from credit-bureau data alone (its paths, and those of the tags it
 * reads, all under `bureau`), as the sandbox decides it: a distribution or rate of such a tag shows
 * bureau values, so it needs bureau:read.
 */
export function readsOnlyBureau(
  definitions: ReadonlyMap<string, Pick<TagDefinitionEntity, 'dependsOnPaths' | 'dependsOnTags'>>,
  tagId: string,
  seen = new Set<string>(),
): boolean {
  if (seen.has(tagId)) return false;
  seen.add(tagId);
  const definition = definitions.get(tagId);
  if (!definition) return false;
  const paths = definition.dependsOnPaths;
  const tags = definition.dependsOnTags;
  if (!paths.every(isBureauPath) || (paths.length === 0 && tags.length === 0)) return false;
  return tags.every((dependency) => readsOnlyBureau(definitions, dependency, seen));
}
