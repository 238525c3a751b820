import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { changedTag, oldValueOf } from './tag-history.sql';

export const EVERYONE = '*';

export interface NewCampaign {
  id: string;
  name: string;
  // A segment or boolean tag (its customer_tag rows), or EVERYONE (every customer with a profile).
  audience: string;
  audienceVersion: number | null;
  channel: string;
  holdoutPercent: number;
  seed: string;
  // Buckets (of 10,000) that go to the control group.
  controlBuckets: number;
  createdBy: string;
}

export interface CampaignRow {
  id: string;
  name: string;
  audience: string;
  audienceVersion: number | null;
  channel: string;
  holdoutPercent: number;
  seed: string;
  frozenAt: Date;
  // What the freeze saw (pg_snapshot as text); internal, for the report.
  snapshot: string;
  members: number;
  controlMembers: number;
  createdBy: string;
  createdAt: Date;
}

export interface CampaignMemberRow {
  customerId: string;
  group: 'target' | 'control';
}

export interface OutcomeRow {
  customerId: string;
  outcome: string;
  at: Date;
  amount: number | null;
}

export type OutcomeWrite = 'created' | 'updated' | 'unchanged';

export interface ReportCountRow {
  group: 'target' | 'control';
  value: unknown;
  members: number;
  outcomes: Record<string, number>;
}

export const OUTCOME_COLUMNS = ['contacted', 'responded', 'converted', 'complained', 'defaulted'] as const;

/**
 * The bucket of a customer in SQL, as `holdoutBucket` (libs/campaigns) computes it: the first 32 bits
 * of md5('<seed>:<customer id>') as an unsigned integer, modulo 10,000. A spec checks they agree.
 */
export const HOLDOUT_BUCKET_SQL = (seed: string, customerId: string) =>
  `(('x' || substr(md5(${seed} || ':' || ${customerId}), 1, 8))::bit(32)::bigint % 10000)`;

interface CampaignRecord {
  id: string;
  name: string;
  audience: string;
  audience_version: number | null;
  channel: string;
  holdout_percent: string;
  seed: string;
  frozen_at: Date;
  snapshot: string;
  members: number;
  control_members: number;
  created_by: string;
  created_at: Date;
}

const CAMPAIGN_COLUMNS = `id, name, audience, audience_version, channel, holdout_percent, seed, frozen_at, snapshot, members,
  control_members, created_by, created_at`;

const toCampaign = (row: CampaignRecord): CampaignRow => ({
  id: row.id,
  name: row.name,
  audience: row.audience,
  audienceVersion: row.audience_version,
  channel: row.channel,
  holdoutPercent: Number(row.holdout_percent),
  seed: row.seed,
  frozenAt: row.frozen_at,
  snapshot: row.snapshot,
  members: row.members,
  controlMembers: row.control_members,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

// Campaigns, their frozen members and the outcomes that come back; every bulk path is one statement.
@Injectable()
export class CampaignRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Freezes the audience as it stands in this transaction's snapshot: the campaign row, then every
   * member with its group in one INSERT ... SELECT (the hash split computed in SQL), then the counts.
   * The statement that reads the audience also records its snapshot and time: `frozen_at` and
   * `snapshot` are exactly what it saw. Null when the id is taken.
   */
  async freeze(campaign: NewCampaign, manager: EntityManager): Promise<CampaignRow | null> {
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO campaign (id, name, audience, audience_version, channel, holdout_percent, seed, frozen_at,
                             snapshot, members, control_members, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), '', 0, 0, $8)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        campaign.id,
        campaign.name,
        campaign.audience,
        campaign.audienceVersion,
        campaign.channel,
        campaign.holdoutPercent,
        campaign.seed,
        campaign.createdBy,
      ],
    );
    if (inserted.length === 0) return null;
    const source =
      campaign.audience === EVERYONE
        ? `SELECT customer_id FROM customer_profile WHERE version > 0`
        : `SELECT customer_id FROM customer_tag WHERE tag_id = $4`;
    const params: unknown[] = [campaign.id, campaign.seed, campaign.controlBuckets];
    if (campaign.audience !== EVERYONE) params.push(campaign.audience);
    const [counts]: { members: number; control: number; snapshot: string; at: Date }[] = await manager.query(
      `WITH frozen AS (
         INSERT INTO campaign_member (customer_id, campaign_id, group_name)
         SELECT s.customer_id, $1,
                CASE WHEN ${HOLDOUT_BUCKET_SQL('$2::text', 's.customer_id')} < $3 THEN 'control' ELSE 'target' END
           FROM (${source}) s
         RETURNING group_name)
       SELECT count(*)::int AS members, (count(*) FILTER (WHERE group_name = 'control'))::int AS control,
              pg_current_snapshot()::text AS snapshot, statement_timestamp() AS at
         FROM frozen`,
      params,
    );
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows]: [CampaignRecord[], number] = await manager.query(
      `UPDATE campaign SET members = $2, control_members = $3, snapshot = $4, frozen_at = $5
        WHERE id = $1 RETURNING ${CAMPAIGN_COLUMNS}`,
      [campaign.id, counts.members, counts.control, counts.snapshot, counts.at],
    );
    return toCampaign(rows[0]);
  }

  async find(id: string): Promise<CampaignRow | null> {
    const rows: CampaignRecord[] = await this.dataSource.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaign WHERE id = $1`,
      [id],
    );
    return rows[0] ? toCampaign(rows[0]) : null;
  }

  // Keyset-paged on id.
  async list(afterId: string | null, limit: number): Promise<CampaignRow[]> {
    const rows: CampaignRecord[] = await this.dataSource.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaign WHERE ($1::varchar IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map(toCampaign);
  }

  async membersPage(
    campaignId: string,
    group: 'target' | 'control' | null,
    afterCustomerId: string | null,
    limit: number,
  ): Promise<CampaignMemberRow[]> {
    const rows: { customer_id: string; group_name: 'target' | 'control' }[] = await this.dataSource.query(
      `SELECT customer_id, group_name FROM campaign_member
        WHERE campaign_id = $1 AND ($2::varchar IS NULL OR group_name = $2)
          AND ($3::varchar IS NULL OR customer_id > $3)
        ORDER BY customer_id LIMIT $4`,
      [campaignId, group, afterCustomerId, limit],
    );
    return rows.map((row) => ({ customerId: row.customer_id, group: row.group_name }));
  }

  /**
   * The groups of those of `customerIds` who are members, read with FOR SHARE so an erasure running
   * beside an outcome write waits for it (and then removes the outcomes too) or goes first.
   */
  async lockMembers(
    campaignId: string,
    customerIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, 'target' | 'control'>> {
    const rows: { customer_id: string; group_name: 'target' | 'control' }[] = await manager.query(
      `SELECT customer_id, group_name FROM campaign_member
        WHERE campaign_id = $1 AND customer_id = ANY($2::varchar[])
        ORDER BY customer_id FOR SHARE`,
      [campaignId, customerIds],
    );
    return new Map(rows.map((row) => [row.customer_id, row.group_name]));
  }

  /**
   * Upserts outcomes, one row per (customer, outcome): a repeated line changes nothing, a corrected
   * one (another `at` or amount) replaces the stored one. The rows must be distinct by
   * (customer, outcome). Returns what happened to each.
   */
  async upsertOutcomes(
    campaignId: string,
    rows: readonly OutcomeRow[],
    manager: EntityManager,
  ): Promise<Map<string, OutcomeWrite>> {
    const written: { customer_id: string; outcome: string; created: boolean }[] =
      rows.length === 0
        ? []
        : await manager.query(
            `INSERT INTO campaign_outcome AS o (customer_id, campaign_id, outcome, at, amount)
             SELECT r.customer_id, $1, r.outcome, r.at, r.amount
               FROM unnest($2::varchar[], $3::varchar[], $4::timestamptz[], $5::numeric[])
                    AS r(customer_id, outcome, at, amount)
             ON CONFLICT (customer_id, campaign_id, outcome) DO UPDATE
                SET at = EXCLUDED.at, amount = EXCLUDED.amount, recorded_at = now()
              WHERE (o.at, o.amount) IS DISTINCT FROM (EXCLUDED.at, EXCLUDED.amount)
             RETURNING o.customer_id, o.outcome, (xmax = 0) AS created`,
            [
              campaignId,
              rows.map((row) => row.customerId),
              rows.map((row) => row.outcome),
              rows.map((row) => row.at),
              rows.map((row) => row.amount),
            ],
          );
    const result = new Map<string, OutcomeWrite>(
      rows.map((row) => [`${row.customerId}\u0000${row.outcome}`, 'unchanged']),
    );
    for (const row of written) {
      result.set(`${row.customer_id}\u0000${row.outcome}`, row.created ? 'created' : 'updated');
    }
    return result;
  }

  /**
   * Members and members with each outcome, per group, and per value of `byTagId` as the freeze saw
   * it: the current value, unless the tag changed for that customer since the freeze, in which case
   * the value before its first change that the freeze's snapshot did not see. Changes come from the
   * changes-feed index (tag_id, txid, seq): transactions at or above the snapshot's xmin and not
   * visible in it, which are few.
   */
  async reportCounts(
    campaign: { id: string; snapshot: string },
    byTagId: string | null,
  ): Promise<ReportCountRow[]> {
    const outcomeColumns = OUTCOME_COLUMNS.map(
      (outcome) => `(count(*) FILTER (WHERE o.${outcome}))::int AS ${outcome}`,
    ).join(', ');
    const perCustomer = OUTCOME_COLUMNS.map(
      (outcome) => `bool_or(outcome = '${outcome}') AS ${outcome}`,
    ).join(', ');
    const params: unknown[] = [campaign.id];
    let value = 'NULL::jsonb';
    let joins = '';
    if (byTagId !== null) {
      params.push(byTagId, campaign.snapshot);
      value = 'CASE WHEN l.customer_id IS NOT NULL THEN l.old_value ELSE t.value END';
      joins = `
        LEFT JOIN customer_tag t ON t.tag_id = $2 AND t.customer_id = m.customer_id
        LEFT JOIN (
          SELECT DISTINCT ON (h.customer_id) h.customer_id, ${oldValueOf('h', '$2')} AS old_value FROM tag_history h
           WHERE ${changedTag('h', '$2')} AND h.txid >= pg_snapshot_xmin($3::pg_snapshot)::text::bigint
             AND NOT pg_visible_in_snapshot(h.txid::text::xid8, $3::pg_snapshot)
           ORDER BY h.customer_id, h.seq) l ON l.customer_id = m.customer_id`;
    }
    const rows: ({ group_name: 'target' | 'control'; value: unknown; members: number } & Record<
      string,
      number
    >)[] = await this.dataSource.query(
      `SELECT m.group_name, ${value} AS value, count(*)::int AS members, ${outcomeColumns}
         FROM campaign_member m
         LEFT JOIN (SELECT customer_id, ${perCustomer} FROM campaign_outcome WHERE campaign_id = $1
                     GROUP BY customer_id) o ON o.customer_id = m.customer_id${joins}
        WHERE m.campaign_id = $1
        GROUP BY 1, 2`,
      params,
    );
    return rows.map((row) => ({
      group: row.group_name,
      value: row.value,
      members: row.members,
      outcomes: Object.fromEntries(OUTCOME_COLUMNS.map((outcome) => [outcome, row[outcome]])),
    }));
  }

  /**
   * Audience against the rest of the population on a boolean tag: customers with a profile, members
   * of the audience, customers with the outcome tag, and those with both; four index counts.
   */
  async outcomeCounts(
    audienceTagId: string,
    outcomeTagId: string,
  ): Promise<{ population: number; audience: number; outcome: number; both: number }> {
    const [row]: { population: number; audience: number; outcome: number; both: number }[] =
      await this.dataSource.query(
        `SELECT (SELECT count(*) FROM customer_profile WHERE version > 0)::int AS population,
                (SELECT count(*) FROM customer_tag WHERE tag_id = $1)::int AS audience,
                (SELECT count(*) FROM customer_tag WHERE tag_id = $2)::int AS outcome,
                (SELECT count(*) FROM customer_tag a JOIN customer_tag o
                    ON o.tag_id = $2 AND o.customer_id = a.customer_id
                  WHERE a.tag_id = $1)::int AS both`,
        [audienceTagId, outcomeTagId],
      );
    return row;
  }
}
