import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

export interface HistoryRow {
  seq: string;
  tagId: string;
  oldValue: unknown;
  newValue: unknown;
  tagVersion: number;
  profileVersion: string;
  cause: string;
  runId: string | null;
  at: Date;
}

export interface TagAt {
  tagId: string;
  value: unknown;
  tagVersion: number;
  since: Date;
}

// The feed horizon: the oldest transaction id still running in this database (a write not yet
// committed), widened from pg_stat_activity's 32-bit xid to the 64-bit ids tag_event stores; or the
// snapshot's xmax when none runs. Transactions of other databases in the cluster do not hold it back.
const FEED_HORIZON = `
  SELECT least(m.xmax8, coalesce(min(m.xmax8 - ((m.xmax8 - a.backend_xid::text::bigint) % 4294967296 + 4294967296) % 4294967296),
                                 m.xmax8))
    FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax8) m
    LEFT JOIN pg_stat_activity a ON a.datname = current_database() AND a.backend_xid IS NOT NULL
   GROUP BY m.xmax8`;

// Reads for campaign tools and CRM: audiences (members, size, point-in-time, changes feed) and one
// customer's tags over time. Every list is keyset-paged; nothing here uses OFFSET.
@Injectable()
export class AudienceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async membersPage(tagId: string, afterCustomerId: string | null, limit: number): Promise<Member[]> {
    const rows: { customer_id: string; since: Date }[] = await this.dataSource.query(
      `SELECT customer_id, since FROM customer_tag
        WHERE tag_id = $1 AND ($2::varchar IS NULL OR customer_id > $2)
        ORDER BY customer_id LIMIT $3`,
      [tagId, afterCustomerId, limit],
    );
    return rows.map((row) => ({ customerId: row.customer_id, since: row.since }));
  }

  // Membership at an instant, from history: a customer is a member when its last event for the tag
  // at or before the instant set a value; `since` is that event's time.
  async membersAsOfPage(
    tagId: string,
    asOf: Date,
    afterCustomerId: string | null,
    limit: number,
  ): Promise<Member[]> {
    const rows: { customer_id: string; since: Date }[] = await this.dataSource.query(
      `SELECT customer_id, at AS since FROM (
         SELECT DISTINCT ON (customer_id) customer_id, new_value, at FROM tag_event
          WHERE tag_id = $1 AND at <= $2 AND ($3::varchar IS NULL OR customer_id > $3)
          ORDER BY customer_id, at DESC, seq DESC) last
        WHERE new_value IS NOT NULL ORDER BY customer_id LIMIT $4`,
      [tagId, asOf, afterCustomerId, limit],
    );
    return rows.map((row) => ({ customerId: row.customer_id, since: row.since }));
  }

  async size(tagId: string): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM customer_tag WHERE tag_id = $1`,
      [tagId],
    );
    return rows[0].n;
  }

  async sizeAsOf(tagId: string, asOf: Date): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT ON (customer_id) new_value FROM tag_event
          WHERE tag_id = $1 AND at <= $2 ORDER BY customer_id, at DESC, seq DESC) last
        WHERE new_value IS NOT NULL`,
      [tagId, asOf],
    );
    return rows[0].n;
  }

  async lastChangedAt(tagId: string): Promise<Date | null> {
    const rows: { at: Date }[] = await this.dataSource.query(
      `SELECT at FROM tag_event WHERE tag_id = $1 ORDER BY txid DESC, seq DESC LIMIT 1`,
      [tagId],
    );
    return rows[0]?.at ?? null;
  }

  // Entered/exited changes after a cursor, only from transactions older than every one of this
  // database still running, so nothing can later appear behind the cursor (see migration AudienceFeeds).
  async changesAfter(
    tagId: string,
    after: { txid: string; seq: string } | null,
    limit: number,
  ): Promise<MembershipChange[]> {
    const rows: {
      txid: string;
      seq: string;
      customer_id: string;
      entered: boolean;
      at: Date;
      tag_version: number;
    }[] = await this.dataSource.query(
      `SELECT txid, seq, customer_id, new_value IS NOT NULL AS entered, at, tag_version FROM tag_event
        WHERE tag_id = $1 AND (txid, seq) > ($2::bigint, $3::bigint)
          AND txid < (${FEED_HORIZON})
          AND (old_value IS NULL) <> (new_value IS NULL)
        ORDER BY txid, seq LIMIT $4`,
      [tagId, after?.txid ?? '0', after?.seq ?? '0', limit],
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

  async tagsAsOf(customerId: string, asOf: Date): Promise<TagAt[]> {
    const rows: { tag_id: string; new_value: unknown; tag_version: number; at: Date }[] =
      await this.dataSource.query(
        `SELECT tag_id, new_value, tag_version, at FROM (
         SELECT DISTINCT ON (tag_id) tag_id, new_value, tag_version, at FROM tag_event
          WHERE customer_id = $1 AND at <= $2 ORDER BY tag_id, at DESC, seq DESC) last
        WHERE new_value IS NOT NULL ORDER BY tag_id`,
        [customerId, asOf],
      );
    return rows.map((row) => ({
      tagId: row.tag_id,
      value: row.new_value,
      tagVersion: row.tag_version,
      since: row.at,
    }));
  }

  async history(
    customerId: string,
    filter: { tagId?: string; from?: Date; to?: Date; before?: { at: Date; seq: string } },
    limit: number,
  ): Promise<HistoryRow[]> {
    const rows: {
      seq: string;
      tag_id: string;
      old_value: unknown;
      new_value: unknown;
      tag_version: number;
      profile_version: string;
      cause: string;
      run_id: string | null;
      at: Date;
    }[] = await this.dataSource.query(
      `SELECT seq, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id, at FROM tag_event
        WHERE customer_id = $1 AND ($2::varchar IS NULL OR tag_id = $2)
          AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
          AND ($5::timestamptz IS NULL OR (at, seq) < ($5, $6::bigint))
        ORDER BY at DESC, seq DESC LIMIT $7`,
      [
        customerId,
        filter.tagId ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.before?.at ?? null,
        filter.before?.seq ?? '0',
        limit,
      ],
    );
    return rows.map((row) => ({
      seq: row.seq,
      tagId: row.tag_id,
      oldValue: row.old_value,
      newValue: row.new_value,
      tagVersion: row.tag_version,
      profileVersion: row.profile_version,
      cause: row.cause,
      runId: row.run_id,
      at: row.at,
    }));
  }

  async currentForCustomers(
    customerIds: readonly string[],
    tagIds: readonly string[] | null,
  ): Promise<{ customerId: string; tagId: string; value: unknown; since: Date; tagVersion: number }[]> {
    const rows: { customer_id: string; tag_id: string; value: unknown; since: Date; tag_version: number }[] =
      await this.dataSource.query(
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

  async existingCustomers(customerIds: readonly string[]): Promise<Set<string>> {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT customer_id FROM customer_profile WHERE customer_id = ANY($1::varchar[]) AND version > 0`,
      [customerIds],
    );
    return new Set(rows.map((row) => row.customer_id));
  }
}
