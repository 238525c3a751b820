import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { DestinationCursorEntity, DestinationEntity, DestinationStatus } from '../entities';
import { FEED_HORIZON } from './audience.repository';
import {
  MAX_CHANGES_PER_ROW,
  changeSeqOf,
  changedTag,
  newValueOf,
  oldValueOf,
  tagVersionOf,
} from './tag-history.sql';

export interface DeliveryPosition {
  txid: string;
  seq: string;
}

export interface NewDestination {
  name: string;
  url: string;
  audiences: string[];
  earlyWarning: boolean;
  events: string[];
  maxEvents: number;
  maxWaitMs: number;
  columns: string[];
  riskUse: boolean;
  secret: string;
  createdBy: string;
}

export type DestinationChanges = Partial<
  Pick<
    NewDestination,
    | 'name'
    | 'url'
    | 'audiences'
    | 'earlyWarning'
    | 'events'
    | 'maxEvents'
    | 'maxWaitMs'
    | 'columns'
    | 'riskUse'
  >
>;

export interface DestinationWithCursor {
  destination: DestinationEntity;
  cursor: DestinationCursorEntity;
}

export interface DeliveryChange {
  txid: string;
  seq: string;
  customerId: string;
  tagId: string;
  entered: boolean;
  at: Date;
  tagVersion: number;
  profileVersion: string;
  cause: string;
  writtenAt: Date | null;
}

export interface DeliveryRecord {
  destinationId: string;
  webhookId: string;
  kind: 'batch' | 'ping';
  from: DeliveryPosition | null;
  to: DeliveryPosition | null;
  events: number;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'dead_lettered';
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

export interface DeliveryRow extends DeliveryRecord {
  id: string;
  at: Date;
}

export interface DeadLetterRow {
  id: string;
  destinationId: string;
  webhookId: string;
  from: DeliveryPosition;
  to: DeliveryPosition;
  events: number;
  statusCode: number | null;
  responseBody: string | null;
  at: Date;
}

const DESTINATION_COLUMNS = `d.id, d.name, d.url, d.audiences, d.early_warning AS "earlyWarning", d.events,
  d.max_events AS "maxEvents", d.max_wait_ms AS "maxWaitMs", d.columns, d.risk_use AS "riskUse", d.status,
  d.status_reason AS "statusReason", d.secret, d.previous_secret AS "previousSecret",
  d.previous_secret_until AS "previousSecretUntil", d.created_by AS "createdBy", d.created_at AS "createdAt",
  d.updated_at AS "updatedAt"`;
const CURSOR_COLUMNS = `c.destination_id AS "destinationId", c.txid::text AS txid, c.seq::text AS seq, c.generation,
  c.batch_to_txid::text AS "batchToTxid", c.batch_to_seq::text AS "batchToSeq",
  c.consecutive_failures AS "consecutiveFailures", c.failing_since AS "failingSince",
  c.next_attempt_at AS "nextAttemptAt", c.lease_token AS "leaseToken", c.lease_until AS "leaseUntil",
  c.delivered_at AS "deliveredAt", c.updated_at AS "updatedAt"`;

type Row = Record<string, unknown>;

function split(row: Row): DestinationWithCursor {
  const cursorKeys = [
    'destinationId',
    'txid',
    'seq',
    'generation',
    'batchToTxid',
    'batchToSeq',
    'consecutiveFailures',
    'failingSince',
    'nextAttemptAt',
    'leaseToken',
    'leaseUntil',
    'deliveredAt',
    'cursorUpdatedAt',
  ];
  const destination = Object.fromEntries(Object.entries(row).filter(([key]) => !cursorKeys.includes(key)));
  const cursor = Object.fromEntries(Object.entries(row).filter(([key]) => cursorKeys.includes(key)));
  return {
    destination: destination as unknown as DestinationEntity,
    cursor: { ...cursor, updatedAt: row.cursorUpdatedAt } as unknown as DestinationCursorEntity,
  };
}

const SELECT_BOTH = `SELECT ${DESTINATION_COLUMNS}, ${CURSOR_COLUMNS.replace('c.updated_at AS "updatedAt"', 'c.updated_at AS "cursorUpdatedAt"')}
  FROM destination d JOIN destination_cursor c ON c.destination_id = d.id`;

// Destinations, their cursors over the history, the deliveries log and dead letters. The delivery
// loop's writes are conditional on the lease it holds, so a worker that lost its lease (a replay, a
// pause, another worker after it stalled) changes nothing. TypeORM answers an UPDATE or DELETE with
// [returned rows, affected count], so whether a conditional one matched is the first element's length.
@Injectable()
export class DestinationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // A new destination starts at the feed's head: it receives what changes from now on.
  async create(input: NewDestination, manager?: EntityManager): Promise<DestinationWithCursor> {
    const runner = manager ?? this.dataSource.manager;
    const [{ id }]: { id: string }[] = await runner.query(
      `INSERT INTO destination (name, url, audiences, early_warning, events, max_events, max_wait_ms, columns,
                                risk_use, secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        input.name,
        input.url,
        input.audiences,
        input.earlyWarning,
        input.events,
        input.maxEvents,
        input.maxWaitMs,
        input.columns,
        input.riskUse,
        input.secret,
        input.createdBy,
      ],
    );
    await runner.query(`INSERT INTO destination_cursor (destination_id, txid, seq) VALUES ($1, $2, 0)`, [
      id,
      await this.horizon(runner),
    ]);
    return (await this.find(id, runner))!;
  }

  async find(id: string, manager?: EntityManager): Promise<DestinationWithCursor | null> {
    const rows: Row[] = await (manager ?? this.dataSource.manager).query(`${SELECT_BOTH} WHERE d.id = $1`, [
      id,
    ]);
    return rows.length === 0 ? null : split(rows[0]);
  }

  async list(): Promise<DestinationWithCursor[]> {
    const rows: Row[] = await this.dataSource.query(`${SELECT_BOTH} ORDER BY d.created_at, d.id`);
    return rows.map(split);
  }

  async update(id: string, changes: DestinationChanges, manager?: EntityManager): Promise<boolean> {
    const columns: Record<keyof DestinationChanges, string> = {
      name: 'name',
      url: 'url',
      audiences: 'audiences',
      earlyWarning: 'early_warning',
      events: 'events',
      maxEvents: 'max_events',
      maxWaitMs: 'max_wait_ms',
      columns: 'columns',
      riskUse: 'risk_use',
    };
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined) as [
      keyof DestinationChanges,
      unknown,
    ][];
    const sets = entries.map(([key], index) => `${columns[key]} = $${index + 2}`);
    const [rows]: [unknown[], number] = await (manager ?? this.dataSource.manager).query(
      `UPDATE destination SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING id`,
      [id, ...entries.map(([, value]) => value)],
    );
    return rows.length > 0;
  }

  // Pause, resume (clearing the failure count and any wait) or disable. Resuming keeps the cursor and
  // the batch being retried: nothing is skipped.
  async setStatus(
    id: string,
    status: DestinationStatus,
    reason: string | null,
    manager?: EntityManager,
  ): Promise<boolean> {
    const runner = manager ?? this.dataSource.manager;
    const [rows]: [unknown[], number] = await runner.query(
      `UPDATE destination SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1 RETURNING id`,
      [id, status, reason],
    );
    if (status === 'active' && rows.length > 0) {
      await runner.query(
        `UPDATE destination_cursor SET consecutive_failures = 0, failing_since = NULL, next_attempt_at = NULL,
                updated_at = now() WHERE destination_id = $1`,
        [id],
      );
    }
    return rows.length > 0;
  }

  async rotateSecret(
    id: string,
    secret: string,
    previousUntil: Date,
    manager?: EntityManager,
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await (manager ?? this.dataSource.manager).query(
      `UPDATE destination SET previous_secret = secret, previous_secret_until = $3, secret = $2, updated_at = now()
        WHERE id = $1 RETURNING id`,
      [id, secret, previousUntil],
    );
    return rows.length > 0;
  }

  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const runner = manager ?? this.dataSource.manager;
    await runner.query(`DELETE FROM destination_dead_letter WHERE destination_id = $1`, [id]);
    await runner.query(`DELETE FROM destination_delivery WHERE destination_id = $1`, [id]);
    await runner.query(`DELETE FROM destination_cursor WHERE destination_id = $1`, [id]);
    const [rows]: [unknown[], number] = await runner.query(
      `DELETE FROM destination WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  // The feeds' horizon, in a statement of its own (see changesAfter); never negative since the
  // horizon ignores transactions newer than its snapshot (test/integration/feed-horizon.test.ts).
  private async horizon(manager: EntityManager): Promise<string> {
    const [{ horizon }]: { horizon: string }[] = await manager.query(
      `SELECT (${FEED_HORIZON})::text AS horizon`,
    );
    return horizon;
  }

  // Active destinations whose next attempt is due and that no worker holds: the ones to wake.
  async due(): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT d.id FROM destination d JOIN destination_cursor c ON c.destination_id = d.id
        WHERE d.status = 'active' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= now())
          AND (c.lease_until IS NULL OR c.lease_until < now())`,
    );
    return rows.map((row) => row.id);
  }

  // Takes the destination for one worker (a lease it renews with every write), when it is active,
  // due and free.
  async claim(id: string, token: string, leaseMs: number): Promise<DestinationWithCursor | null> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE destination_cursor c SET lease_token = $2, lease_until = now() + make_interval(secs => $3 / 1000.0)
         FROM destination d
        WHERE c.destination_id = $1 AND d.id = c.destination_id AND d.status = 'active'
          AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= now())
          AND (c.lease_until IS NULL OR c.lease_until < now())
        RETURNING c.destination_id`,
      [id, token, leaseMs],
    );
    return rows.length === 0 ? null : this.find(id);
  }

  async release(id: string, token: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE destination_cursor SET lease_token = NULL, lease_until = NULL WHERE destination_id = $1 AND lease_token = $2`,
      [id, token],
    );
  }

  // Still active and still ours (a pause, a replay or a deletion takes it back).
  async stillHeld(id: string, token: string, leaseMs: number): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE destination_cursor c SET lease_until = now() + make_interval(secs => $3 / 1000.0)
         FROM destination d
        WHERE c.destination_id = $1 AND d.id = c.destination_id AND d.status = 'active' AND c.lease_token = $2
        RETURNING c.destination_id`,
      [id, token, leaseMs],
    );
    return rows.length > 0;
  }

  // Membership changes of the given boolean tags and segments after a position, in feed order, only
  // from transactions below the feeds' horizon (see AudienceRepository.changesAfter), optionally up to
  // a batch's end. One range of the feed index per tag (rows that changed it), merged.
  // The horizon is read in a statement of its own, before the read: within one statement the snapshot
  // is taken at its start and pg_stat_activity read later, so a transaction committing in between
  // would be neither running (not holding the horizon) nor visible (its rows not read), and a later
  // transaction's rows read past it would move the cursor beyond rows that then appear behind it.
  async changesAfter(
    tagIds: readonly string[],
    after: DeliveryPosition,
    upTo: DeliveryPosition | null,
    limit: number,
  ): Promise<DeliveryChange[]> {
    if (tagIds.length === 0) return [];
    const horizon = await this.horizon(this.dataSource.manager);
    const rows: {
      txid: string;
      seq: string;
      customer_id: string;
      tag_id: string;
      entered: boolean;
      at: Date;
      tag_version: number;
      profile_version: string;
      cause: string;
      written_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT e.txid::text AS txid, e.seq::text AS seq, e.customer_id, e.tag_id, e.entered, e.at, e.tag_version,
              e.profile_version::text AS profile_version, e.cause,
              CASE WHEN e.cause = 'profile' THEN
                (SELECT p.updated_at FROM customer_profile p
                  WHERE p.customer_id = e.customer_id AND p.version = e.profile_version) END AS written_at
         FROM unnest($1::varchar[]) AS t(tag_id)
         CROSS JOIN LATERAL (
           SELECT x.txid, ${changeSeqOf('x', 't.tag_id')} AS seq, x.customer_id, t.tag_id,
                  ${newValueOf('x', 't.tag_id')} IS NOT NULL AS entered, x.at, ${tagVersionOf('x', 't.tag_id')} AS tag_version,
                  x.profile_version, x.cause
             FROM tag_history x
            WHERE ${changedTag('x', 't.tag_id')}
              AND (x.txid, x.seq) > ($2::bigint, $3::bigint - ${MAX_CHANGES_PER_ROW})
              AND (x.txid, ${changeSeqOf('x', 't.tag_id')}) > ($2::bigint, $3::bigint)
              AND ($4::bigint IS NULL OR (x.txid, ${changeSeqOf('x', 't.tag_id')}) <= ($4::bigint, $5::bigint))
              AND x.txid < $7::bigint
              AND (${oldValueOf('x', 't.tag_id')} IS NOT NULL) <> (${newValueOf('x', 't.tag_id')} IS NOT NULL)
            ORDER BY x.txid, x.seq LIMIT $6) e
        ORDER BY e.txid, e.seq LIMIT $6`,
      [tagIds, after.txid, after.seq, upTo?.txid ?? null, upTo?.seq ?? '0', limit, horizon],
    );
    return rows.map((row) => ({
      txid: row.txid,
      seq: row.seq,
      customerId: row.customer_id,
      tagId: row.tag_id,
      entered: row.entered,
      at: row.at,
      tagVersion: row.tag_version,
      profileVersion: row.profile_version,
      cause: row.cause,
      writtenAt: row.written_at,
    }));
  }

  // The position just before the first change of these tags at or after an instant (a replay's start).
  async positionBefore(tagIds: readonly string[], instant: Date): Promise<DeliveryPosition | null> {
    const rows: { txid: string; seq: string }[] = await this.dataSource.query(
      `SELECT e.txid::text AS txid, (e.seq - 1)::text AS seq FROM unnest($1::varchar[]) AS t(tag_id)
        CROSS JOIN LATERAL (SELECT x.txid, ${changeSeqOf('x', 't.tag_id')} AS seq FROM tag_history x
                             WHERE ${changedTag('x', 't.tag_id')} AND x.at >= $2
                             ORDER BY x.txid, x.seq LIMIT 1) e
        ORDER BY e.txid, e.seq LIMIT 1`,
      [tagIds, instant],
    );
    return rows[0] ?? null;
  }

  // The batch was answered 2xx (or dead-lettered): the cursor moves to its end, the pending batch and
  // the wait are cleared. Only for the lease holder whose cursor is still where it read from.
  async advance(
    id: string,
    token: string,
    from: DeliveryPosition,
    to: DeliveryPosition,
    options: { delivered: boolean; leaseMs: number },
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE destination_cursor SET txid = $5, seq = $6, batch_to_txid = NULL, batch_to_seq = NULL,
              consecutive_failures = CASE WHEN $7 THEN 0 ELSE consecutive_failures END,
              failing_since = CASE WHEN $7 THEN NULL ELSE failing_since END,
              delivered_at = CASE WHEN $7 THEN now() ELSE delivered_at END,
              lease_until = now() + make_interval(secs => $8 / 1000.0), updated_at = now()
        WHERE destination_id = $1 AND lease_token = $2 AND txid = $3 AND seq = $4 RETURNING destination_id`,
      [id, token, from.txid, from.seq, to.txid, to.seq, options.delivered, options.leaseMs],
    );
    return rows.length > 0;
  }

  // A failed attempt: the batch's range is pinned (a retry re-sends exactly it), the failure counted.
  async recordFailure(
    id: string,
    token: string,
    batchTo: DeliveryPosition,
    state: { consecutiveFailures: number; failingSince: Date; nextAttemptAt: Date | null },
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE destination_cursor SET batch_to_txid = $3, batch_to_seq = $4, consecutive_failures = $5,
              failing_since = $6, next_attempt_at = $7, updated_at = now()
        WHERE destination_id = $1 AND lease_token = $2 RETURNING destination_id`,
      [
        id,
        token,
        batchTo.txid,
        batchTo.seq,
        state.consecutiveFailures,
        state.failingSince,
        state.nextAttemptAt,
      ],
    );
    return rows.length > 0;
  }

  // Counts a failure that does not pin a batch (a dead-lettered one moved the cursor on).
  async countFailure(
    id: string,
    token: string,
    consecutiveFailures: number,
    failingSince: Date,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE destination_cursor SET consecutive_failures = $3, failing_since = $4, updated_at = now()
        WHERE destination_id = $1 AND lease_token = $2`,
      [id, token, consecutiveFailures, failingSince],
    );
  }

  // Re-send from a position: the pending batch, failures and wait are forgotten, the lease taken back
  // from any worker, and the generation bumped so the re-sent batches carry new webhook ids.
  async replayFrom(id: string, position: DeliveryPosition, manager?: EntityManager): Promise<boolean> {
    const [rows]: [unknown[], number] = await (manager ?? this.dataSource.manager).query(
      `UPDATE destination_cursor SET txid = $2, seq = $3, generation = generation + 1, batch_to_txid = NULL,
              batch_to_seq = NULL, consecutive_failures = 0, failing_since = NULL, next_attempt_at = NULL,
              lease_token = NULL, lease_until = NULL, updated_at = now()
        WHERE destination_id = $1 RETURNING destination_id`,
      [id, position.txid, position.seq],
    );
    return rows.length > 0;
  }

  async recordDelivery(record: DeliveryRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO destination_delivery (destination_id, webhook_id, kind, from_txid, from_seq, to_txid, to_seq, events,
                                         attempt, outcome, status_code, error, latency_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        record.destinationId,
        record.webhookId,
        record.kind,
        record.from?.txid ?? null,
        record.from?.seq ?? null,
        record.to?.txid ?? null,
        record.to?.seq ?? null,
        record.events,
        record.attempt,
        record.outcome,
        record.statusCode,
        record.error,
        record.latencyMs,
      ],
    );
  }

  async addDeadLetter(entry: Omit<DeadLetterRow, 'id' | 'at'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO destination_dead_letter (destination_id, webhook_id, from_txid, from_seq, to_txid, to_seq, events,
                                            status_code, response_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.destinationId,
        entry.webhookId,
        entry.from.txid,
        entry.from.seq,
        entry.to.txid,
        entry.to.seq,
        entry.events,
        entry.statusCode,
        entry.responseBody,
      ],
    );
  }

  // Newest first, keyset-paged on id. The order names the table's column: a bare `id` would be the
  // text alias of the select list, which sorts "9" after "10".
  async deliveries(id: string, beforeId: string | null, limit: number): Promise<DeliveryRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT id::text AS id, destination_id, webhook_id, kind, from_txid::text AS from_txid, from_seq::text AS from_seq,
              to_txid::text AS to_txid, to_seq::text AS to_seq, events, attempt, outcome, status_code, error, latency_ms, at
         FROM destination_delivery WHERE destination_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY destination_delivery.id DESC LIMIT $3`,
      [id, beforeId, limit],
    );
    return rows.map((row) => ({
      id: row.id as string,
      destinationId: row.destination_id as string,
      webhookId: row.webhook_id as string,
      kind: row.kind as 'batch' | 'ping',
      from: row.from_txid === null ? null : { txid: row.from_txid as string, seq: row.from_seq as string },
      to: row.to_txid === null ? null : { txid: row.to_txid as string, seq: row.to_seq as string },
      events: row.events as number,
      attempt: row.attempt as number,
      outcome: row.outcome as DeliveryRow['outcome'],
      statusCode: row.status_code as number | null,
      error: row.error as string | null,
      latencyMs: row.latency_ms as number,
      at: row.at as Date,
    }));
  }

  async deadLetters(id: string, beforeId: string | null, limit: number): Promise<DeadLetterRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT id::text AS id, destination_id, webhook_id, from_txid::text AS from_txid, from_seq::text AS from_seq,
              to_txid::text AS to_txid, to_seq::text AS to_seq, events, status_code, response_body, at
         FROM destination_dead_letter WHERE destination_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY destination_dead_letter.id DESC LIMIT $3`,
      [id, beforeId, limit],
    );
    return rows.map((row) => ({
      id: row.id as string,
      destinationId: row.destination_id as string,
      webhookId: row.webhook_id as string,
      from: { txid: row.from_txid as string, seq: row.from_seq as string },
      to: { txid: row.to_txid as string, seq: row.to_seq as string },
      events: row.events as number,
      statusCode: row.status_code as number | null,
      responseBody: row.response_body as string | null,
      at: row.at as Date,
    }));
  }
}
