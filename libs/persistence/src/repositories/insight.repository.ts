import { Injectable } from '@nestjs/common';
import { ReadDataSource } from '../read-replica';
import { matches, type MembershipFilter } from './audience.repository';
import { changedTag, newValueOf } from './tag-history.sql';

// One audience of an overlap: a tag (segment, boolean, category value, number range) and its filter.
export interface AudienceSelector {
  tagId: string;
  filter: MembershipFilter;
}

// Holders of a value of a category tag (key: the value) or a bin of a number tag (key: the bin index
// width_bucket gives).
export interface CategoryCount {
  key: string;
  count: number;
}

// Customers with a value of `tagId` as `value`, now (customer_tag) or at an instant (the last history
// row at or before it, as asOf membership reads). Its parameters are appended to `params`.
function valuesOf(tagId: string, asOf: Date | undefined, params: unknown[]): string {
  params.push(tagId);
  const tag = `$${params.length}`;
  if (!asOf) return `SELECT customer_id, value FROM customer_tag WHERE tag_id = ${tag}`;
  params.push(asOf);
  return `SELECT customer_id, new_value AS value FROM (
            SELECT DISTINCT ON (h.customer_id) h.customer_id, ${newValueOf('h', tag)} AS new_value FROM tag_history h
             WHERE ${changedTag('h', tag)} AND h.at <= $${params.length} ORDER BY h.customer_id, h.at DESC, h.seq DESC) last
           WHERE new_value IS NOT NULL`;
}

// The members of an audience, now or at an instant.
function membersOf(audience: AudienceSelector, asOf: Date | undefined, params: unknown[]): string {
  const source = valuesOf(audience.tagId, asOf, params);
  if (audience.filter.kind === 'set') return `SELECT customer_id FROM (${source}) s`;
  return `SELECT customer_id FROM (${source}) s WHERE ${matches('value', audience.filter, params)}`;
}

// Reads behind the insights: overlap masks, value combinations of ad-hoc rules, compositions and
// distributions. Set-based, exact, over current membership (customer_tag) or history (asOf).
@Injectable()
export class InsightRepository {
  // From the replica when there is one (the answer's Tagforge-Replica-Lag says how stale).
  constructor(private readonly reads: ReadDataSource) {}

  // Customers with a profile (now, or created at or before the instant: erased customers are gone).
  async population(asOf?: Date): Promise<number> {
    const rows: { n: number }[] = await this.analytical(
      `SELECT count(*)::int AS n FROM customer_profile WHERE version > 0 AND ($1::timestamptz IS NULL OR created_at <= $1)`,
      [asOf ?? null],
    );
    return rows[0].n;
  }

  // How many customers hold each combination of the audiences: bit i of `mask` is audience i. One
  // pass over the members of all of them, grouped per customer; customers in none are not counted.
  async overlapMasks(
    audiences: readonly AudienceSelector[],
    asOf?: Date,
  ): Promise<{ mask: number; customers: number }[]> {
    const params: unknown[] = [];
    const branches = audiences.map(
      (audience, i) =>
        `SELECT customer_id, ${2 ** i} AS bit FROM (${membersOf(audience, asOf, params)}) m${i}`,
    );
    const rows: { mask: number; customers: number }[] = await this.analytical(
      `SELECT mask, count(*)::int AS customers FROM (
         SELECT bit_or(bit) AS mask FROM (${branches.join(' UNION ALL ')}) members GROUP BY customer_id) masks
        GROUP BY mask`,
      params,
    );
    return rows;
  }

  // The distinct combinations of the tags `tags` that customers hold, with how many hold each: `mask`
  // has bit i set when the customer holds tags[i]; `values` the values of the held tags that are not
  // boolean (a boolean tag or segment is stored as true: its bit says it all, and its rows are read
  // from the index alone). Customers holding none of the tags are not counted (the caller knows the
  // population). At most `limit` combinations: the caller refuses a rule past it.
  async combinations(
    tags: readonly CombinationTag[],
    asOf: Date | undefined,
    limit: number,
  ): Promise<TagCombination[]> {
    const params: unknown[] = [];
    const source = combinationSource(tags, asOf, params);
    params.push(limit);
    const rows: { mask: number; vals: Record<string, unknown> | null; customers: number }[] =
      await this.analytical(
        `SELECT mask, vals, count(*)::int AS customers FROM (
         SELECT ${COMBINATION} FROM (${source}) t GROUP BY customer_id) c
        GROUP BY mask, vals LIMIT $${params.length}`,
        params,
      );
    return rows.map((row) => ({ mask: row.mask, values: row.vals ?? {}, customers: row.customers }));
  }

  // A page of the customers (in id order, after `after`) whose combination is one of `selected`
  // (mask 0: holds none of the tags).
  async membersWithCombinations(
    tags: readonly CombinationTag[],
    selected: readonly Pick<TagCombination, 'mask' | 'values'>[],
    asOf: Date | undefined,
    after: string | null,
    limit: number,
  ): Promise<string[]> {
    if (selected.length === 0) return [];
    const keys = selected.map((combination) => JSON.stringify([combination.mask, combination.values]));
    // Walks the profiles in id order, each with its held tags (a primary-key probe): a page stops as
    // soon as it has `limit` members, and customers holding none of the tags can match too.
    const params: unknown[] = [
      tags.map((tag) => tag.tagId),
      tags.filter((tag) => !tag.boolean).map((tag) => tag.tagId),
    ];
    const held = asOf
      ? `SELECT l.tag_id, l.new_value AS value FROM (
           SELECT DISTINCT ON (e.tag_id) e.tag_id, e.new_value FROM tag_event e
            WHERE e.customer_id = p.customer_id AND e.tag_id = ANY($1::varchar[]) AND e.at <= $${params.push(asOf)}
            ORDER BY e.tag_id, e.at DESC, e.seq DESC) l WHERE l.new_value IS NOT NULL`
      : `SELECT t.tag_id, t.value FROM customer_tag t WHERE t.customer_id = p.customer_id AND t.tag_id = ANY($1::varchar[])`;
    const sql = `SELECT p.customer_id FROM customer_profile p LEFT JOIN LATERAL (
             SELECT bit_or(1 << (array_position($1::varchar[], h.tag_id) - 1)) AS mask,
                    jsonb_object_agg(h.tag_id, h.value) FILTER (WHERE h.tag_id = ANY($2::varchar[])) AS vals
               FROM (${held}) h) a ON true
            WHERE p.version > 0 AND ($${params.push(asOf ?? null)}::timestamptz IS NULL OR p.created_at <= $${params.length})
              AND ($${params.push(after)}::varchar IS NULL OR p.customer_id > $${params.length})
              AND jsonb_build_array(coalesce(a.mask, 0), coalesce(a.vals, '{}'::jsonb)) = ANY($${params.push(keys)}::jsonb[])
            ORDER BY p.customer_id LIMIT $${params.push(limit)}`;
    const rows: { customer_id: string }[] = await this.analytical(sql, params);
    return rows.map((row) => row.customer_id);
  }

  // Customers of a rule over boolean tags and segments only (SetRule in libs/insights, given here as
  // its SQL-ready form), counted from the rows of `driver` — a tag every member holds — with one
  // index probe per other tag: how a hand-written count would do it. Current membership.
  async countSet(driver: string, predicate: SetPredicate): Promise<number> {
    const params: unknown[] = [driver];
    const rows: { n: number }[] = await this.analytical(
      `SELECT count(*)::int AS n FROM customer_tag d WHERE d.tag_id = $1 AND ${setSql(predicate, params)}`,
      params,
    );
    return rows[0].n;
  }

  // A page of them in customer id order (the driver's index order).
  async membersOfSet(
    driver: string,
    predicate: SetPredicate,
    after: string | null,
    limit: number,
  ): Promise<string[]> {
    const params: unknown[] = [driver, after, limit];
    const rows: { customer_id: string }[] = await this.analytical(
      `SELECT d.customer_id FROM customer_tag d
        WHERE d.tag_id = $1 AND ($2::varchar IS NULL OR d.customer_id > $2) AND ${setSql(predicate, params)}
        ORDER BY d.customer_id LIMIT $3`,
      params,
    );
    return rows.map((row) => row.customer_id);
  }

  // Holders of each value of a category tag now, from the size rollup: per value, the rows that moved
  // customers to it minus those that moved them away — the same numbers as counting customer_tag, from
  // a few rows per day instead of one per customer.
  async categoryCountsFromRollup(tagId: string): Promise<CategoryCount[]> {
    const rows: { key: string; count: number }[] = await this.analytical(
      `SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' ELSE v::text END AS key, sum(n)::int AS count
         FROM (SELECT new_value AS v, n FROM audience_size_delta WHERE tag_id = $1 AND new_value IS NOT NULL
               UNION ALL
               SELECT old_value, -n FROM audience_size_delta WHERE tag_id = $1 AND old_value IS NOT NULL) m
        GROUP BY 1 HAVING sum(n) <> 0`,
      [tagId],
    );
    return rows;
  }

  // Holders of a number tag per bin now, from the size rollup (as categoryCountsFromRollup).
  async binCountsFromRollup(
    tagId: string,
    edges: readonly number[],
  ): Promise<{ bin: number; count: number }[]> {
    const params: unknown[] = [tagId];
    let bin = '0';
    if (edges.length > 0) {
      params.push(edges);
      bin = `width_bucket((v)::numeric, $2::numeric[])`;
    }
    const rows: { bin: number; count: number }[] = await this.analytical(
      `SELECT ${bin} AS bin, sum(n)::int AS count
         FROM (SELECT new_value AS v, n FROM audience_size_delta WHERE tag_id = $1 AND jsonb_typeof(new_value) = 'number'
               UNION ALL
               SELECT old_value, -n FROM audience_size_delta WHERE tag_id = $1 AND jsonb_typeof(old_value) = 'number') m
        GROUP BY 1 HAVING sum(n) <> 0`,
      params,
    );
    return rows;
  }

  // A number tag's current holders per distinct value, from the size rollup (for quantiles).
  async numberCountsFromRollup(tagId: string): Promise<{ value: number; count: number }[]> {
    const rows: { value: string; count: number }[] = await this.analytical(
      `SELECT (v)::numeric::text AS value, sum(n)::int AS count
         FROM (SELECT new_value AS v, n FROM audience_size_delta WHERE tag_id = $1 AND jsonb_typeof(new_value) = 'number'
               UNION ALL
               SELECT old_value, -n FROM audience_size_delta WHERE tag_id = $1 AND jsonb_typeof(old_value) = 'number') m
        GROUP BY (v)::numeric HAVING sum(n) <> 0`,
      [tagId],
    );
    return rows.map((row) => ({ value: Number(row.value), count: row.count }));
  }

  // Aggregations over up to millions of rows, in a transaction of their own: a larger work_mem keeps
  // the per-customer hash in memory instead of spilling it to disk in batches, and no JIT (compiling
  // these plans costs about half a second, more than running them).
  private analytical<T>(sql: string, params: unknown[]): Promise<T> {
    return this.reads.transaction(async (manager) => {
      await manager.query(`SET LOCAL work_mem = '${ANALYTICAL_WORK_MEM}'`);
      await manager.query(`SET LOCAL jit = off`);
      return manager.query(sql, params) as Promise<T>;
    });
  }

  // Holders of each value of a category tag (now or at an instant), inside an audience when one is given.
  async categoryCounts(
    tagId: string,
    asOf: Date | undefined,
    within?: AudienceSelector,
  ): Promise<CategoryCount[]> {
    const params: unknown[] = [];
    const source = valuesOf(tagId, asOf, params);
    const inside = within ? ` WHERE v.customer_id IN (${membersOf(within, asOf, params)})` : '';
    const rows: { key: string; count: number }[] = await this.analytical(
      `SELECT CASE WHEN jsonb_typeof(v.value) = 'string' THEN v.value #>> '{}' ELSE v.value::text END AS key,
              count(*)::int AS count
         FROM (${source}) v${inside} GROUP BY 1`,
      params,
    );
    return rows;
  }

  // Holders of a number tag per bin (width_bucket over the edges: 0 below the first, k at or above the
  // last), inside an audience when one is given. Non-number values are left out.
  async binCounts(
    tagId: string,
    edges: readonly number[],
    asOf: Date | undefined,
    within?: AudienceSelector,
  ): Promise<{ bin: number; count: number }[]> {
    const params: unknown[] = [];
    const source = valuesOf(tagId, asOf, params);
    const inside = within ? ` AND v.customer_id IN (${membersOf(within, asOf, params)})` : '';
    let bins = '0';
    if (edges.length > 0) {
      params.push(edges);
      bins = `width_bucket((v.value)::numeric, $${params.length}::numeric[])`;
    }
    const rows: { bin: number; count: number }[] = await this.analytical(
      `SELECT ${bins} AS bin, count(*)::int AS count
         FROM (${source}) v WHERE jsonb_typeof(v.value) = 'number'${inside} GROUP BY 1`,
      params,
    );
    return rows;
  }

  // The values of a number tag at the fractions (percentile_disc: values that occur).
  async quantiles(tagId: string, fractions: readonly number[], asOf?: Date): Promise<number[]> {
    if (fractions.length === 0) return [];
    const params: unknown[] = [];
    const source = valuesOf(tagId, asOf, params);
    params.push(fractions);
    const rows: { edges: string[] | null }[] = await this.analytical(
      `SELECT percentile_disc($${params.length}::float8[]) WITHIN GROUP (ORDER BY (v.value)::numeric) AS edges
         FROM (${source}) v WHERE jsonb_typeof(v.value) = 'number'`,
      params,
    );
    return (rows[0]?.edges ?? []).map(Number);
  }

  // Members of an audience (now or at an instant).
  async audienceSize(audience: AudienceSelector, asOf?: Date): Promise<number> {
    const params: unknown[] = [];
    const rows: { n: number }[] = await this.analytical(
      `SELECT count(*)::int AS n FROM (${membersOf(audience, asOf, params)}) m`,
      params,
    );
    return rows[0].n;
  }
}

export const ANALYTICAL_WORK_MEM = '64MB';

// A set rule's SQL-ready form: a boolean tag or segment held, its negation, a conjunction or disjunction.
export type SetPredicate =
  | { kind: 'tag'; tagId: string }
  | { kind: 'not'; of: SetPredicate }
  | { kind: 'and' | 'or'; of: SetPredicate[] };

// The predicate over the customer `d.customer_id`, one index probe (customer_id, tag_id) per tag.
function setSql(predicate: SetPredicate, params: unknown[]): string {
  switch (predicate.kind) {
    case 'tag':
      return `EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = d.customer_id AND t.tag_id = $${params.push(predicate.tagId)})`;
    case 'not':
      return `NOT ${setSql(predicate.of, params)}`;
    case 'and':
    case 'or':
      return `(${predicate.of.map((part) => setSql(part, params)).join(` ${predicate.kind.toUpperCase()} `)})`;
  }
}

// A tag an ad-hoc rule reads, and whether it is a boolean tag or segment (stored as true).
export interface CombinationTag {
  tagId: string;
  boolean: boolean;
}

export interface TagCombination {
  mask: number;
  // the values of the held tags that are not boolean
  values: Record<string, unknown>;
  customers: number;
}

// Per customer: the bit mask of the tags held and the values of the non-boolean ones.
const COMBINATION = `bit_or(bit) AS mask, jsonb_object_agg(tag_id, value) FILTER (WHERE valued) AS vals`;

// Rows (customer_id, tag_id, bit, value, valued) of the tags' holders, now or at an instant; boolean
// tags without their value (an index-only read now).
function combinationSource(
  tags: readonly CombinationTag[],
  asOf: Date | undefined,
  params: unknown[],
): string {
  return tags
    .map((tag, i) => {
      const tagParam = `$${params.push(tag.tagId)}::varchar`;
      const bit = 2 ** i;
      const value = tag.boolean ? 'NULL::jsonb' : 'value';
      if (!asOf) {
        return `SELECT customer_id, ${tagParam} AS tag_id, ${bit} AS bit, ${value} AS value, ${!tag.boolean} AS valued
                  FROM customer_tag WHERE tag_id = ${tagParam}`;
      }
      const at = `$${params.push(asOf)}`;
      return `SELECT customer_id, ${tagParam} AS tag_id, ${bit} AS bit, ${value} AS value, ${!tag.boolean} AS valued FROM (
                SELECT DISTINCT ON (h.customer_id) h.customer_id, ${newValueOf('h', tagParam)} AS value FROM tag_history h
                 WHERE ${changedTag('h', tagParam)} AND h.at <= ${at}
                 ORDER BY h.customer_id, h.at DESC, h.seq DESC) l
               WHERE value IS NOT NULL`;
    })
    .join(' UNION ALL ');
}
