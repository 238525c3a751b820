// Everything Tagforge knows about a profile document that needs no I/O.
//
// Ingestion flow (the caller owns I/O, transactions and HTTP):
//   1. `hasForbiddenKeys(body)` on the raw parsed body -> 422 with the pointer.
//   2. replace (PUT): `validator.validate(body)` -> 422 with the problems. A patch cannot be
//      validated on its own (its nulls delete), so merge (PATCH) skips this step.
//   3. `planProfileWrite({ stored, mode, body })` inside the transaction that read `stored`;
//      ProfileWriteError -> 422 with `code` and `pointer`.
//   4. merge: `validator.validate(plan.profile)` -> 422; pointers then point into the merged
//      document, which for the patched fields is the same place as in the patch.
//   5. `plan.changed` false -> nothing to store, keep the version; otherwise store `plan.profile` and
//      `plan.stamps` and hand `plan.changedPaths` to incremental evaluation. Report
//      `plan.staleSections` to the client either way.
export { applyMergePatch } from './merge-patch';
export { changedPaths } from './changed-paths';
export { MAX_DOCUMENT_DEPTH } from './document-depth';
export { hasForbiddenKeys } from './forbidden-keys';
export type { JsonObject, JsonValue } from './json-value';
export { type ProfileProblem, ProfileValidator } from './profile-validator';
export {
  planProfileWrite,
  type ProfileWriteInput,
  type ProfileWritePlan,
  type SectionStamps,
  type StaleSection,
  type StoredProfile,
  type WriteMode,
} from './profile-write';
export { ProfileWriteError, type ProfileWriteErrorCode } from './profile-write-error';
export { redactSections } from './redact-sections';
