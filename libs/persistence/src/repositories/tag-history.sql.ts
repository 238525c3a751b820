// The shape of tag_history in SQL (see migration TagHistory and TagHistoryEntity): one row per
// customer per writing statement; `changes` maps each tag it changed to [old_value, new_value,
// tag_version] (JSON null: no value); its i-th tag in `tag_ids` (1-based) is the change seq + i - 1.

// A history row's changes are numbered seq .. seq + MAX_CHANGES_PER_ROW - 1 (the sequence's step).
export const MAX_CHANGES_PER_ROW = 4096;

// A change's old value, new value and definition version in history row `h` for tag `tag` (SQL
// expressions; NULL when there is no value).
export const oldValueOf = (h: string, tag: string) =>
  `nullif(${h}.changes -> (${tag})::text -> 0, 'null'::jsonb)`;
export const newValueOf = (h: string, tag: string) =>
  `nullif(${h}.changes -> (${tag})::text -> 1, 'null'::jsonb)`;
export const tagVersionOf = (h: string, tag: string) => `(${h}.changes -> (${tag})::text ->> 2)::int`;
// The change's own seq (unique with txid, as a tag_event row's was).
export const changeSeqOf = (h: string, tag: string) =>
  `(${h}.seq + array_position(${h}.tag_ids, (${tag})::varchar COLLATE "C") - 1)`;
// Rows of `h` that changed `tag`: a condition the GIN index on tag_ids answers.
export const changedTag = (h: string, tag: string) => `${h}.tag_ids @> ARRAY[(${tag})::varchar COLLATE "C"]`;
// Rows of `h` that changed any of `tags` (a varchar[] expression).
export const changedAnyTag = (h: string, tags: string) => `${h}.tag_ids && (${tags})::varchar[]`;

// The changes of the history rows `rows` (a table or CTE with tag_ids, changes, at, cause), one row
// per change with tag_id, old_value, new_value, at, cause: what the size rollup reads.
export function changesOfRows(rows: string): string {
  return `(SELECT u.tag_id, ${oldValueOf('r', 'u.tag_id')} AS old_value, ${newValueOf('r', 'u.tag_id')} AS new_value,
                  r.at, r.cause
             FROM ${rows} r CROSS JOIN LATERAL unnest(r.tag_ids) AS u(tag_id))`;
}
