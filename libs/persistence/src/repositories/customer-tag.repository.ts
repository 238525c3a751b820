import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { TagEventCause } from '../entities';
import { appendSizeRollup } from './audience-size.repository';
import type { CustomerRange } from './evaluation-lock.repository';
import { changesOfRows } from './tag-history.sql';
import { queryPrepared, type PreparedStatement } from '../prepared-statement';

export interface RangeTag {
  value: unknown;
  tagVersion: number;
}

export interface CurrentTag {
  tagId: string;
  value: unknown;
  tagVersion: number;
  since: Date;
}

export interface TagChange {
  tagId: string;
  oldValue: unknown;
  newValue: unknown;
  tagVersion: number;
}

// What one evaluation of a customer writes: its changes, made from one version of its profile.
export interface CustomerChanges {
  customerId: string;
  profileVersion: number;
  changes: readonly TagChange[];
}

// The customers' changes as one JSON document: an array of {customer_id, profile_version, changes}
// where changes is the history row's own {tag_id: [old_value, new_value, tag_version]}. Built as
// text: V8's JSON.stringify of each small value is far cheaper than pg serialising 40,000-element
// arrays, and Postgres parses one jsonb value once for every statement that reads it.
export function changesDocument(customers: readonly CustomerChanges[]): string {
  const parts: string[] = [];
  for (const { customerId, profileVersion, changes } of customers) {
    if (changes.length === 0) continue;
    let text = `{"customer_id":${JSON.stringify(customerId)},"profile_version":${profileVersion},"changes":{`;
    for (let i = 0; i < changes.length; i += 1) {
      const { tagId, oldValue, newValue, tagVersion } = changes[i];
      text += `${i === 0 ? '' : ','}${JSON.stringify(tagId)}:[${JSON.stringify(oldValue)},${JSON.stringify(newValue)},${tagVersion}]`;
    }
    parts.push(`${text}}}`);
  }
  return `[${parts.join(',')}]`;
}

const CURRENT_TAGS: PreparedStatement = {
  name: 'current-tags-of-customer',
  text: `SELECT tag_id, value, tag_version, since FROM customer_tag WHERE customer_id = $1 ORDER BY tag_id`,
};

// Current tags (customer_tag) and the history every change of them leaves (tag_history, with its size
// rollup rows), written together. The profile locks every writer takes first are
// EvaluationLockRepository's; the CRM lookup and a customer's history are read in libs/serving.
@Injectable()
export class CustomerTagRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async current(customerId: string, manager?: EntityManager): Promise<CurrentTag[]> {
    const { rows } = await queryPrepared<{
      tag_id: string;
      value: unknown;
      tag_version: number;
      since: Date;
    }>(manager ?? this.dataSource.manager, CURRENT_TAGS, [customerId]);
    return rows.map((row) => ({
      tagId: row.tag_id,
      value: row.value,
      tagVersion: row.tag_version,
      since: row.since,
    }));
  }

  // Many customers' changes at once, in one statement over one JSON document (changesDocument):
  // the current tags inserted, updated and deleted, one history row per customer, and its size
  // rollup rows. The changes were diffed against the tags read under the customers' profile locks,
  // which every writer of tags holds: a change from no value has no row to conflict with, so it is a
  // plain INSERT (INSERT ... ON CONFLICT DO UPDATE took twice as long for a first evaluation's rows,
  // docs/performance.md), and the CTEs touch disjoint rows, so one snapshot serves them all.
  async applyChanges(
    customers: readonly CustomerChanges[],
    context: { cause: TagEventCause; runId: string | null },
    manager: EntityManager,
  ): Promise<void> {
    if (!customers.some((customer) => customer.changes.length > 0)) return;
    // Changes of an existing row (a new value, or none) go as arrays: the statement joins them to
    // customer_tag, and Postgres estimates an array's rows from its length, where it guesses 100 per
    // jsonb_to_recordset/jsonb_each and then seq-scanned customer_tag to update one customer's tag.
    const updated: [string[], string[], string[], number[]] = [[], [], [], []];
    const deleted: [string[], string[]] = [[], []];
    for (const { customerId, changes } of customers) {
      for (const change of changes) {
        if (change.oldValue === null) continue;
        if (change.newValue === null) {
          deleted[0].push(customerId);
          deleted[1].push(change.tagId);
        } else {
          updated[0].push(customerId);
          updated[1].push(change.tagId);
          updated[2].push(JSON.stringify(change.newValue));
          updated[3].push(change.tagVersion);
        }
      }
    }
    const statement = {
      text: `WITH input AS (
         SELECT i.customer_id COLLATE "C" AS customer_id, i.profile_version, i.changes
           FROM jsonb_to_recordset($1::jsonb) AS i(customer_id varchar, profile_version bigint, changes jsonb)),
       inserted AS (
         INSERT INTO customer_tag (customer_id, tag_id, value, tag_version, since)
         SELECT i.customer_id, c.key, c.value -> 1, (c.value ->> 2)::int, now()
           FROM input i CROSS JOIN LATERAL jsonb_each(i.changes) AS c
          WHERE c.value -> 0 = 'null'::jsonb AND c.value -> 1 <> 'null'::jsonb),
       updated AS (
         UPDATE customer_tag AS t SET value = u.value, tag_version = u.tag_version, since = now()
           FROM unnest($4::varchar[], $5::varchar[], $6::jsonb[], $7::int[]) AS u(customer_id, tag_id, value, tag_version)
          WHERE t.customer_id = u.customer_id AND t.tag_id = u.tag_id),
       deleted AS (
         DELETE FROM customer_tag AS t USING unnest($8::varchar[], $9::varchar[]) AS u(customer_id, tag_id)
          WHERE t.customer_id = u.customer_id AND t.tag_id = u.tag_id),
       written AS (
         INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause, run_id)
         SELECT customer_id, ARRAY(SELECT jsonb_object_keys(changes)), changes, profile_version, $2, $3 FROM input
         RETURNING tag_ids, changes, at, cause)
       ${appendSizeRollup(`${changesOfRows('written')} c`)}`,
    };
    const values = [changesDocument(customers), context.cause, context.runId, ...updated, ...deleted];
    // One customer's evaluation (its generic plan probes the indexes per array element); a chunk's
    // statement is planned for its arrays' sizes each time.
    if (customers.length === 1)
      await queryPrepared(manager, { name: 'apply-changes-of-one', ...statement }, values);
    else await manager.query(statement.text, values);
  }

  // The current values of a range's customers' tags; only `tagIds` when given (a run over a few tags),
  // only `customerIds`' when given. No `since`: a chunk does not need it, and parsing 40 timestamps
  // per customer costs.
  async currentInRange(
    range: CustomerRange,
    manager: EntityManager,
    filter: { tagIds?: readonly string[]; customerIds?: readonly string[] } = {},
  ): Promise<Map<string, Map<string, RangeTag>>> {
    const rows: { customer_id: string; tag_id: string; value: unknown; tag_version: number }[] =
      await manager.query(
        `SELECT customer_id, tag_id, value, tag_version FROM customer_tag
          WHERE ($1::varchar IS NULL OR customer_id > $1) AND customer_id <= $2
            AND ($3::varchar[] IS NULL OR tag_id = ANY($3))
            AND ($4::varchar[] IS NULL OR customer_id = ANY($4))`,
        [range.afterCustomerId, range.lastCustomerId, filter.tagIds ?? null, filter.customerIds ?? null],
      );
    const byCustomer = new Map<string, Map<string, RangeTag>>();
    for (const row of rows) {
      let tags = byCustomer.get(row.customer_id);
      if (!tags) byCustomer.set(row.customer_id, (tags = new Map()));
      tags.set(row.tag_id, { value: row.value, tagVersion: row.tag_version });
    }
    return byCustomer;
  }

  // Retirement: removes the tags from the customers of the range, each removal a change in history; their
  // digests become unknown.
  async removeTags(
    tagIds: readonly string[],
    range: CustomerRange,
    context: { runId: string | null },
    manager: EntityManager,
  ): Promise<number> {
    const rows: unknown[] = await manager.query(
      `WITH removed AS (
         DELETE FROM customer_tag
          WHERE tag_id = ANY($1::varchar[]) AND ($2::varchar IS NULL OR customer_id > $2) AND customer_id <= $3
         RETURNING customer_id, tag_id, value, tag_version),
       forgotten AS (
         UPDATE customer_profile SET tag_digest = NULL
          WHERE customer_id IN (SELECT customer_id FROM removed) AND tag_digest IS NOT NULL),
       written AS (
         INSERT INTO tag_history (customer_id, tag_ids, changes, profile_version, cause, run_id)
         SELECT r.customer_id, array_agg(r.tag_id),
                jsonb_object_agg(r.tag_id, jsonb_build_array(r.value, NULL, r.tag_version)), p.version, 'definition', $4
           FROM removed r JOIN customer_profile p ON p.customer_id = r.customer_id
          GROUP BY r.customer_id, p.version
         RETURNING tag_ids, changes, at, cause),
       sized AS (${appendSizeRollup(`${changesOfRows('written')} c`)})
       SELECT 1 FROM written w CROSS JOIN LATERAL unnest(w.tag_ids)`,
      [tagIds, range.afterCustomerId, range.lastCustomerId, context.runId],
    );
    return rows.length;
  }

  async countCarrying(tagId: string): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = $1`,
      [tagId],
    );
    return rows[0].n;
  }
}
