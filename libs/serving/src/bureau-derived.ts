import type { TagDependencies } from '@tagforge/rules';
import type { TagDefinitionEntity } from '@tagforge/persistence';

// What readsOnlyBureau (libs/rules) needs of stored definitions: each tag's paths and tags read.
export function definitionDependencies(
  definitions: ReadonlyMap<string, Pick<TagDefinitionEntity, 'dependsOnPaths' | 'dependsOnTags'>>,
): (tagId: string) => TagDependencies | undefined {
  return (tagId) => {
    const definition = definitions.get(tagId);
    return definition && { paths: definition.dependsOnPaths, tags: definition.dependsOnTags };
  };
}
