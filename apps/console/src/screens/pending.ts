import { scopeDefinitionsOf, type RunView } from '../api/types';

// The pending list comes from GET /v1/tags:drafts as it is; a selected draft's sandbox result is the
// latest finished sandbox run that tried exactly its rule for its tag.
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
