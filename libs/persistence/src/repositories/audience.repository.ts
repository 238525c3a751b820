import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReadDataSource } from '../read-replica';
import {
  MAX_CHANGES_PER_ROW,
  changeSeqOf,
  changedTag,
  newValueOf,
  oldValueOf,
  tagVersionOf,
} from './tag-history.sql';

export interface Member {
  customerId: string;
  since: Date;
}

export interface MembershipChange {
  txid: string;
  seq: string;
  customerId: string;
  entered: boolean;
  at: Date;
  tagVersion: number;
}

// Who belongs to an audience, by the stored value: a boolean tag or segment is set (a row); a category
// tag has one value; a number tag lies within bounds (either may be open).
export type MembershipFilter =
  | { kind: 'set' }
  | { kind: 'value'; value: string }
  | { kind: 'range'; min: number | null; max: number | null };

export const IS_SET: MembershipFilter = { kind: 'set' };

// SQL that is true when the jsonb `column` (a stored value, NULL for none) matches the filter; its
// parameters are appended to `params`.
export function matches(column: string, filter: MembershipFilter, params: unknown[]): string {
  switch (filter.kind) {
    case 'set':
      return `${column} IS NOT NULL`;
    case 'value':
      params.push(JSON.stringify(filter.value));
      return `coalesce(${column} = $${params.length}::jsonb, false)`;
    case 'range': {
      params.push(filter.min, filter.max);
      const min = `$${params.length - 1}::numeric`;
      const max = `$${params.length}::numeric`;
      return `(CASE WHEN jsonb_typeof(${column}) = 'number'
                    THEN (${min} IS NULL OR (${column})::numeric >= ${min}) AND (${max} IS NULL OR (${column})::numeric <= ${max})
                    ELSE false END)`;
    }
  }
}

export interface ColumnValues {
  customerId: string;
  tags: Record<string, unknown>;
  profile: unknown[];
}

// The feed horizon: the oldest transaction id still running in this database (a write not yet
// committed), widened from pg_stat_activity's 32-bit xid to the 64-bit ids tag_history stores; or the
// snapshot's xmax when none runs. Transactions of other databases in the cluster do not hold it back.
// pg_stat_activity is read after the snapshot is taken, so it can list a transaction that got its
// id after the snapshot (at or past xmax): that one is not older than xmax and must not count (its
// modular distance would otherwise wrap to almost 2^32 and the horizon go negative: a head cursor the
// API itself refuses, seen under 200 writes/s in the read-replica scenario).
// `xmax` is a 64-bit SQL expression; `running` a query of the 32-bit xids (column `xid`).
export function feedHorizonSql(xmax: string, running: string): string {
  return `
  SELECT least(m.xmax8, coalesce(min(m.xmax8 - d.distance) FILTER (WHERE d.distance < 2147483648), m.xmax8))
    FROM (SELECT (${xmax}) AS xmax8) m
    LEFT JOIN (${running}) r ON true
    LEFT JOIN LATERAL (SELECT ((m.xmax8 - r.xid) % 4294967296 + 4294967296) % 4294967296 AS distance) d ON true
   GROUP BY m.xmax8`;
}

export const FEED_HORIZON = feedHorizonSql(
  `pg_snapshot_xmax(pg_current_snapshot())::text::bigint`,
  `SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
    WHERE datname = current_database() AND backend_xid IS NOT NULL`,
);

// Reads for campaign tools and CRM: audiences (members, size, point-in-time, changes feed) and one
// customer's tags over time. Every list is keyset-paged; nothing here uses OFFSET.
// Members pages, exports and a customer's tags and history read from the replica when there is one
// (`reads`); sizes, feeds and their heads read the primary (the feed horizon is the primary's
// running transactions).
@Injectable()
export class AudienceRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReadDataSource,
  ) {}

  async membersPage(
    tagId: string,
    afterCustomerId: string | null,
    limit: number,
    filter: MembershipFilter = IS_SET,
  ): Promise<Member[]> {
    // The plain audience (a set tag) keeps its simplest statement: bench:api compares it with plain SQL.
    const params: unknown[] = [tagId, afterCustomerId, limit];
    const where = filter.kind === 'set' ? '' : ` AND ${matches('value', filter, params)}`;
    const rows: { customer_id: string; since: Date }[] = await this.reads.queryCaughtUp(
      `SELECT customer_id, since FROM customer_tag
        WHERE tag_id = $1 AND ($2::varchar IS NULL OR customer_id > $2)${where}
        ORDER BY customer_id LIMIT $3`,
      params,
    );
    return rows.map((row) => ({ customerId: row.customer_id, since: row.since }));
  }

  // Membership at an instant, from history: a customer is a member when its last event for the tag
  // at or before the instant left a matching value; `since` is that event's time.
  async membersAsOfPage(
    tagId: string,
    asOf: Date,
    afterCustomerId: string | null,
    limit: number,
    filter: MembershipFilter = IS_SET,
  ): Promise<Member[]> {
    const params: unknown[] = [tagId, asOf, afterCustomerId, limit];
    const rows: { customer_id: string; since: Date }[] = await this.reads.queryCaughtUp(
      `SELECT customer_id, at AS since FROM (
         SELECT DISTINCT ON (h.customer_id) h.customer_id, ${newValueOf('h', '$1')} AS new_value, h.at
           FROM tag_history h
          WHERE ${changedTag('h', '$1')} AND h.at <= $2 AND ($3::varchar IS NULL OR h.customer_id > $3)
          ORDER BY h.customer_id, h.at DESC, h.seq DESC) last
        WHERE ${matches('new_value', filter, params)} ORDER BY customer_id LIMIT $4`,
      params,
    );
    return rows.map((row) => ({ customerId: row.customer_id, since: row.since }));
  }

  async size(tagId: string, filter: MembershipFilter = IS_SET): Promise<number> {
    const params: unknown[] = [tagId];
    const where = filter.kind === 'set' ? '' : ` AND ${matches('value', filter, params)}`;
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = $1${where}`,
      params,
    );
    return rows[0].n;
  }

  async sizeAsOf(tagId: string, asOf: Date, filter: MembershipFilter = IS_SET): Promise<number> {
    const params: unknown[] = [tagId, asOf];
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT ON (h.customer_id) ${newValueOf('h', '$1')} AS new_value FROM tag_history h
          WHERE ${changedTag('h', '$1')} AND h.at <= $2 ORDER BY h.customer_id, h.at DESC, h.seq DESC) last
        WHERE ${matches('new_value', filter, params)}`,
      params,
    );
    return rows[0].n;
  }

  // When membership last changed (any change of the tag's value for a filtered audience), at or
  // before an instant when one is given.
  // Now: from the size rollup's last_at (one index range; the history's (txid, seq) index walked
  // back from its head would pass every later change of other tags: 431 ms after an activation of
  // another tag over 1,000,000 customers). Rollup rows written before last_at existed have none; a tag
  // none of whose rows has one is searched in the history, as at an instant.
  async lastChangedAt(tagId: string, asOf?: Date): Promise<Date | null> {
    if (!asOf) {
      const [rolled]: { at: Date | null }[] = await this.dataSource.query(
        `SELECT max(last_at) AS at FROM audience_size_delta WHERE tag_id = $1`,
        [tagId],
      );
      if (rolled.at !== null) return rolled.at;
    }
    const rows: { at: Date | null }[] = await this.dataSource.query(
      `SELECT max(h.at) AS at FROM tag_history h WHERE ${changedTag('h', '$1')} AND ($2::timestamptz IS NULL OR h.at <= $2)`,
      [tagId, asOf ?? null],
    );
    return rows[0]?.at ?? null;
  }

  // Where every changes feed stands now: (horizon, 0). Every transaction below the horizon has ended,
  // so a consumer that starts here and then takes a full export misses no later change.
  async feedHead(): Promise<{ txid: string; seq: string }> {
    const rows: { horizon: string }[] = await this.dataSource.query(`SELECT (${FEED_HORIZON}) AS horizon`);
    return { txid: String(rows[0].horizon), seq: '0' };
  }

  // Entered/exited changes after a cursor, only from transactions older than every one of this
  // database still running, so nothing can later appear behind the cursor (see migration AudienceFeeds).
  // An event is a change of membership when the value before and after differ in matching the filter.
  async changesAfter(
    tagId: string,
    after: { txid: string; seq: string } | null,
    limit: number,
    filter: MembershipFilter = IS_SET,
  ): Promise<MembershipChange[]> {
    // The horizon is read in a statement of its own, before the read: within one statement the
    // snapshot is taken at its start and pg_stat_activity later, so a transaction committing in
    // between would neither hold the horizon back nor have its rows read, and the cursor could pass them.
    const { txid: horizon } = await this.feedHead();
    const params: unknown[] = [tagId, after?.txid ?? '0', after?.seq ?? '0', limit, horizon];
    const entered = matches(newValueOf('h', '$1'), filter, params);
    const left = matches(oldValueOf('h', '$1'), filter, params);
    const rows: {
      txid: string;
      seq: string;
      customer_id: string;
      entered: boolean;
      at: Date;
      tag_version: number;
    }[] = await this.dataSource.query(
      // In (txid, seq) order of the rows, which is the changes' order: a row's changes are numbered
      // within its block of the sequence. The coarse bound lets the feed index start at the cursor.
      `SELECT h.txid, ${changeSeqOf('h', '$1')} AS seq, h.customer_id, ${entered} AS entered, h.at,
              ${tagVersionOf('h', '$1')} AS tag_version
         FROM tag_history h
        WHERE ${changedTag('h', '$1')}
          AND (h.txid, h.seq) > ($2::bigint, $3::bigint - ${MAX_CHANGES_PER_ROW})
          AND (h.txid, ${changeSeqOf('h', '$1')}) > ($2::bigint, $3::bigint)
          AND h.txid < $5::bigint
          AND (${left}) <> (${entered})
        ORDER BY h.txid, h.seq LIMIT $4`,
      params,
    );
    return rows.map((row) => ({
      txid: row.txid,
      seq: row.seq,
      customerId: row.customer_id,
      entered: row.entered,
      at: row.at,
      tagVersion: row.tag_version,
    }));
  }

  // Values of extra export columns for a page of members: current tags (or the tags at an instant),
  // and profile fields by path.
  async columnValues(
    customerIds: readonly string[],
    tagIds: readonly string[],
    profilePaths: readonly (readonly string[])[],
    asOf?: Date,
  ): Promise<Map<string, ColumnValues>> {
    const values = new Map<string, ColumnValues>(
      customerIds.map((customerId) => [customerId, { customerId, tags: {}, profile: [] }]),
    );
    if (customerIds.length === 0) return values;
    if (tagIds.length > 0) {
      const rows: { customer_id: string; tag_id: string; value: unknown }[] = asOf
        ? await this.reads.queryCaughtUp(
            `SELECT DISTINCT ON (customer_id, tag_id) customer_id, tag_id, new_value AS value FROM tag_event
              WHERE customer_id = ANY($1::varchar[]) AND tag_id = ANY($2::varchar[]) AND at <= $3
              ORDER BY customer_id, tag_id, at DESC, seq DESC`,
            [customerIds, tagIds, asOf],
          )
        : await this.reads.queryCaughtUp(
            `SELECT customer_id, tag_id, value FROM customer_tag
              WHERE customer_id = ANY($1::varchar[]) AND tag_id = ANY($2::varchar[])`,
            [customerIds, tagIds],
          );
      for (const row of rows) {
        if (row.value !== null) values.get(row.customer_id)!.tags[row.tag_id] = row.value;
      }
    }
    if (profilePaths.length > 0) {
      const rows: { customer_id: string; fields: unknown[] }[] = await this.reads.queryCaughtUp(
        `SELECT p.customer_id,
                (SELECT jsonb_agg(p.profile #> string_to_array(f.path, chr(31)) ORDER BY f.n)
                   FROM unnest($2::text[]) WITH ORDINALITY AS f(path, n)) AS fields
           FROM customer_profile p WHERE p.customer_id = ANY($1::varchar[])`,
        [customerIds, profilePaths.map((path) => path.join('\u001f'))],
      );
      for (const row of rows) values.get(row.customer_id)!.profile = row.fields;
    }
    return values;
  }

  async currentForCustomers(
    customerIds: readonly string[],
    tagIds: readonly string[] | null,
  ): Promise<{ customerId: string; tagId: string; value: unknown; since: Date; tagVersion: number }[]> {
    const rows: { customer_id: string; tag_id: string; value: unknown; since: Date; tag_version: number }[] =
      await this.reads.query(
        `SELECT customer_id, tag_id, value, since, tag_version FROM customer_tag
          WHERE customer_id = ANY($1::varchar[]) AND ($2::varchar[] IS NULL OR tag_id = ANY($2::varchar[]))
          ORDER BY customer_id, tag_id`,
        [customerIds, tagIds],
      );
    return rows.map((row) => ({
      customerId: row.customer_id,
      tagId: row.tag_id,
      value: row.value,
      since: row.since,
      tagVersion: row.tag_version,
    }));
  }

  // A customer the replica does not know yet may have just been written: those are asked of the
  // primary, so a lookup never calls an existing customer unknown.
  async existingCustomers(customerIds: readonly string[]): Promise<Set<string>> {
    const sql = `SELECT customer_id FROM customer_profile WHERE customer_id = ANY($1::varchar[]) AND version > 0`;
    const rows: { customer_id: string }[] = await this.reads.query(sql, [customerIds]);
    const known = new Set(rows.map((row) => row.customer_id));
    const missing = customerIds.filter((id) => !known.has(id));
    if (this.reads.hasReplica && missing.length > 0) {
      const more: { customer_id: string }[] = await this.reads.primaryQuery(sql, [missing]);
      for (const row of more) known.add(row.customer_id);
    }
    return known;
  }
}
