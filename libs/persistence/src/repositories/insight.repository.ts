import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { matches, type MembershipFilter } from './audience.repository';

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
            SELECT DISTINCT ON (customer_id) customer_id, new_value FROM tag_event
             WHERE tag_id = ${tag} AND at <= $${params.length} ORDER BY customer_id, at DESC, seq DESC) last
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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // Customers with a profile (now, or created at or before the instant: erased customers are gone).
  async population(asOf?: Date): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
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
    const rows: { mask: number; customers: number }[] = await this.dataSource.query(
      `SELECT mask, count(*)::int AS customers FROM (
         SELECT bit_or(bit) AS mask FROM (${branches.join(' UNION ALL ')}) members GROUP BY customer_id) masks
        GROUP BY mask`,
      params,
    );
    return rows;
  }

  // The distinct combinations of values of `tagIds` that customers hold (absent tags left out of the
  // object), with how many hold each; customers holding none of the tags are not counted (the caller
  // knows the population). At most `limit` combinations: the caller refuses a rule past it.
  async combinations(
    tagIds: readonly string[],
    asOf: Date | undefined,
    limit: number,
  ): Promise<{ values: Record<string, unknown>; customers: number }[]> {
    const params: unknown[] = [];
    const sources = tagIds.map(
      (tagId) =>
        `SELECT customer_id, ${literalParam(tagId, params)}::text AS tag_id, value FROM (${valuesOf(tagId, asOf, params)}) v`,
    );
    params.push(limit);
    const rows: { vals: Record<string, unknown>; customers: number }[] = await this.dataSource.query(
      `SELECT vals, count(*)::int AS customers FROM (
         SELECT jsonb_object_agg(tag_id, value) AS vals FROM (${sources.join(' UNION ALL ')}) t GROUP BY customer_id) c
        GROUP BY vals LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({ values: row.vals, customers: row.customers }));
  }

  // A page of the customers (in id order, after `after`) whose combination of values of `tagIds` is
  // one of `selected` (an empty object: holds none of them).
  async membersWithCombinations(
    tagIds: readonly string[],
    selected: readonly Record<string, unknown>[],
    asOf: Date | undefined,
    after: string | null,
    limit: number,
  ): Promise<string[]> {
    if (selected.length === 0) return [];
    const includesNone = selected.some((values) => Object.keys(values).length === 0);
    const params: unknown[] = [
      tagIds,
      selected.map((values) => JSON.stringify(values)),
      after,
      limit,
      asOf ?? null,
    ];
    const lateral = asOf
      ? `SELECT jsonb_object_agg(l.tag_id, l.new_value) FILTER (WHERE l.new_value IS NOT NULL) AS vals FROM (
           SELECT DISTINCT ON (e.tag_id) e.tag_id, e.new_value FROM tag_event e
            WHERE e.customer_id = p.customer_id AND e.tag_id = ANY($1::varchar[]) AND e.at <= $5
            ORDER BY e.tag_id, e.at DESC, e.seq DESC) l`
      : `SELECT jsonb_object_agg(t.tag_id, t.value) AS vals FROM customer_tag t
           WHERE t.customer_id = p.customer_id AND t.tag_id = ANY($1::varchar[])`;
    // Without the empty combination only holders of one of the tags can match: start from their rows.
    const sql =
      includesNone || asOf
        ? `SELECT p.customer_id FROM customer_profile p LEFT JOIN LATERAL (${lateral}) a ON true
            WHERE p.version > 0 AND ($5::timestamptz IS NULL OR p.created_at <= $5)
              AND ($3::varchar IS NULL OR p.customer_id > $3)
              AND coalesce(a.vals, '{}'::jsonb) = ANY($2::jsonb[])
            ORDER BY p.customer_id LIMIT $4`
        : `SELECT customer_id FROM (
             SELECT customer_id, jsonb_object_agg(tag_id, value) AS vals FROM customer_tag
              WHERE tag_id = ANY($1::varchar[]) AND ($3::varchar IS NULL OR customer_id > $3)
                AND $5::timestamptz IS NULL
              GROUP BY customer_id) c
            WHERE vals = ANY($2::jsonb[]) ORDER BY customer_id LIMIT $4`;
    const rows: { customer_id: string }[] = await this.dataSource.query(sql, params);
    return rows.map((row) => row.customer_id);
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
    const rows: { key: string; count: number }[] = await this.dataSource.query(
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
    const rows: { bin: number; count: number }[] = await this.dataSource.query(
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
    const rows: { edges: string[] | null }[] = await this.dataSource.query(
      `SELECT percentile_disc($${params.length}::float8[]) WITHIN GROUP (ORDER BY (v.value)::numeric) AS edges
         FROM (${source}) v WHERE jsonb_typeof(v.value) = 'number'`,
      params,
    );
    return (rows[0]?.edges ?? []).map(Number);
  }

  // Members of an audience (now or at an instant).
  async audienceSize(audience: AudienceSelector, asOf?: Date): Promise<number> {
    const params: unknown[] = [];
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (${membersOf(audience, asOf, params)}) m`,
      params,
    );
    return rows[0].n;
  }
}

function literalParam(value: unknown, params: unknown[]): string {
  params.push(value);
  return `$${params.length}`;
}
