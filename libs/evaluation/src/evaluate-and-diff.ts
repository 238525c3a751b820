import type { CatalogEvaluator, TagEvaluationError } from './catalog-evaluator';
import type { TagValue } from './catalog-order';
import { diffTags, type TagDiffEntry, type TagState } from './tag-diff';
import { tagDigest, tagsAfter } from './tag-digest';

export interface CustomerEvaluationAgainst {
  // The customer's set tags after evaluation: fresh values for the tags evaluated, current ones kept
  // for the others and for every tag whose rule threw.
  values: Record<string, TagValue>;
  errors: readonly TagEvaluationError[];
  // Tags whose rule threw for this customer.
  failed: ReadonlySet<string>;
}

export interface CustomerDiff extends CustomerEvaluationAgainst {
  // What must be written: every tag in `versions` whose value changes (null = unset).
  changes: TagDiffEntry[];
}

// One customer's profile evaluated with its current tags as the previous values (`only`: just these
// tags, their dependents already added). The sandbox stops here; writers go on to the diff.
export function evaluateAgainst(
  evaluator: CatalogEvaluator,
  profile: unknown,
  now: number,
  current: ReadonlyMap<string, TagState>,
  only?: ReadonlySet<string>,
): CustomerEvaluationAgainst {
  const previous: Record<string, TagValue> = {};
  for (const [tagId, state] of current) previous[tagId] = state.value as TagValue;
  const { values, errors } = evaluator.evaluateCustomer(profile, now, { only, current: previous });
  const failed = new Set<string>();
  for (const error of errors) failed.add(error.tagId);
  return { values, errors, failed };
}

// The step every writer of tags shares (an incremental evaluation, a run chunk): evaluate, then diff
// against the current tags over the definitions in `versions` (tag -> the version that writes it).
export function evaluateAndDiff(
  evaluator: CatalogEvaluator,
  profile: unknown,
  now: number,
  current: ReadonlyMap<string, TagState>,
  scope: { versions: ReadonlyMap<string, number>; only?: ReadonlySet<string> },
): CustomerDiff {
  const evaluation = evaluateAgainst(evaluator, profile, now, current, scope.only);
  return { ...evaluation, changes: diffTags(current, evaluation.values, scope.versions, evaluation.failed) };
}

// The digest of the tags a customer holds once `changes` are written over `current`.
export function digestAfter(
  current: ReadonlyMap<string, TagState>,
  changes: readonly { tagId: string; newValue: unknown }[],
): string {
  return tagDigest(tagsAfter(current, changes));
}
