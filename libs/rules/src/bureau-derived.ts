import { isBureauPath } from './rule-explainer';

export interface TagDependencies {
  paths: readonly string[];
  tags: readonly string[];
}

/**
 * Whether a tag's value is computed from credit-bureau data alone: its paths, and those of the tags it
 * reads (directly or not), are all under `bureau`. Such a value is a bureau value: the sandbox redacts
 * it, and a distribution, breakdown, size series by value or campaign rate of it needs bureau:read.
 * `dependenciesOf` answers undefined for an unknown tag; a tag that reads nothing is not bureau data.
 */
export function readsOnlyBureau(
  tagId: string,
  dependenciesOf: (tagId: string) => TagDependencies | undefined,
  seen = new Set<string>(),
): boolean {
  if (seen.has(tagId)) return false;
  seen.add(tagId);
  const dependencies = dependenciesOf(tagId);
  if (!dependencies) return false;
  const { paths, tags } = dependencies;
  if (!paths.every(isBureauPath) || (paths.length === 0 && tags.length === 0)) return false;
  return tags.every((dependency) => readsOnlyBureau(dependency, dependenciesOf, seen));
}
