import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, QueryConfig } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '@tagforge/common';
import { createDataSource } from './data-source';
import { describeUrl } from './migrator';

// What one request has read from the replica. The API opens one per request (replicaReads.run);
// the first replica read records how stale the replica may be, which the API returns as a header.
export interface ReplicaReadContext {
  // Set once this request read from the replica: an upper bound of how old what it read may be.
  lagSeconds?: number;
  // Audience reads: the replica has replayed everything the primary had committed when it started.
  caughtUp?: boolean;
  // The replica was behind or unreachable for this request: everything it reads goes to the primary.
  primaryOnly?: boolean;
}

export const replicaReads = new AsyncLocalStorage<ReplicaReadContext>();

// How far the replica's data trails the primary, in seconds: 0 when it has replayed all the WAL it
// received, else the age of the last transaction it replayed (on loopback the receiver is never
// behind the sender for long; a disconnected receiver shows up as replay timestamps growing old
// only while WAL is still pending, so watch pg_stat_wal_receiver as well in production).
const REPLICA_LAG_SQL = `
  SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
              WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
              ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
         END::float8 AS lag`;

// A lag probe is at most this old when a response quotes it (the quoted bound adds its age).
const LAG_PROBE_MAX_AGE_MS = 250;
// An audience read waits at most this long for the replica to catch up with the primary.
const CATCH_UP_TIMEOUT_MS = 1000;

// Errors after which the replica is skipped for the rest of the request: it is unreachable or
// shutting down (class 08, 57P01-57P03), or cancelled the statement in a recovery conflict (40001).
function replicaUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (code.startsWith('08') ||
      ['57P01', '57P02', '57P03', '40001', 'ECONNREFUSED', 'ECONNRESET'].includes(code))
  );
}

// The read side of the database, chosen here and only here: the streaming replica of
// DATABASE_READ_URL when it is set, else the primary. Only serving reads that tolerate staleness
// come through it (CRM lookups, audience pages and exports, history, insights' overlaps, counts,
// breakdowns and distributions); writes, locks, feeds and reads
// of a caller's own writes use the primary DataSource directly.
@Injectable()
export class ReadDataSource implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadDataSource.name);
  private readonly replica: DataSource | null;
  private probe: { atMs: number; lagSeconds: number } | null = null;
  private probing?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    private readonly config: AppConfig,
  ) {
    this.replica = config.DATABASE_READ_URL
      ? createDataSource({
          url: config.DATABASE_READ_URL,
          poolSize: config.DB_POOL_SIZE,
          statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
          applicationName: 'tagforge-read',
        })
      : null;
  }

  get hasReplica(): boolean {
    return this.replica !== null;
  }

  async onModuleInit(): Promise<void> {
    if (!this.replica) return;
    try {
      await this.replica.initialize();
    } catch (error) {
      throw new Error(
        `Cannot reach the read replica at ${describeUrl(this.config.DATABASE_READ_URL!)} (DATABASE_READ_URL): ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    this.logger.log(`serving reads from the replica at ${describeUrl(this.config.DATABASE_READ_URL!)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.replica?.isInitialized) await this.replica.destroy();
  }

  // A read that may be as stale as the replica (the response says by how much).
  query<T>(sql: string, parameters: unknown[] = []): Promise<T> {
    return this.read((source) => source.query(sql, parameters) as Promise<T>, false);
  }

  // An audience read: the replica first catches up with what the primary had committed when the
  // request began, so a members page or export never misses a change that a feed head handed out
  // earlier already counts as read (the sync loop: head, export, then changes since head).
  queryCaughtUp<T>(sql: string, parameters: unknown[] = []): Promise<T> {
    return this.read((source) => source.query(sql, parameters) as Promise<T>, true);
  }

  // Reads in one transaction of their own (insights' aggregations, with their own settings).
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.read((source) => source.transaction(work), false);
  }

  // A prepared statement on the pool itself (the CRM lookup's hot path).
  prepared<R extends object>(statement: QueryConfig): Promise<R[]> {
    return this.read(async (source) => {
      const pool = (source.driver as PostgresDriver).master as Pool;
      return (await pool.query<R>(statement)).rows;
    }, false);
  }

  // The same read on the primary: a customer the replica does not know yet may exist there.
  primaryQuery<T>(sql: string, parameters: unknown[] = []): Promise<T> {
    return this.primary.query(sql, parameters) as Promise<T>;
  }

  primaryPrepared<R extends object>(statement: QueryConfig): Promise<R[]> {
    const pool = (this.primary.driver as PostgresDriver).master as Pool;
    return pool.query<R>(statement).then((result) => result.rows);
  }

  // The replica's lag now, for tests and the reliability scenario (null without a replica).
  async currentLagSeconds(): Promise<number | null> {
    if (!this.replica) return null;
    const rows: { lag: number }[] = await this.replica.query(REPLICA_LAG_SQL);
    return rows[0].lag;
  }

  private async read<T>(work: (source: DataSource) => Promise<T>, caughtUp: boolean): Promise<T> {
    const context = replicaReads.getStore() ?? {};
    if (!this.replica || context.primaryOnly) return work(this.primary);
    try {
      if (caughtUp && !context.caughtUp) {
        if (!(await this.catchUp())) {
          context.primaryOnly = true;
          return await work(this.primary);
        }
        context.caughtUp = true;
      }
      const [result] = await Promise.all([work(this.replica), this.refreshLag()]);
      // The probe ran at atMs and saw data lagSeconds old; replay only moves forward, so what this
      // read saw is at most that plus the probe's age old.
      if (context.lagSeconds === undefined && this.probe) {
        context.lagSeconds = this.probe.lagSeconds + (Date.now() - this.probe.atMs) / 1000;
      }
      return result;
    } catch (error) {
      if (!replicaUnavailable(error)) throw error;
      this.logger.warn(`replica read failed, reading from the primary: ${(error as Error).message}`);
      context.primaryOnly = true;
      context.lagSeconds = undefined;
      return work(this.primary);
    }
  }

  private async catchUp(): Promise<boolean> {
    const [{ lsn }]: { lsn: string }[] = await this.primary.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    for (;;) {
      const [{ replayed }]: { replayed: boolean }[] = await this.replica!.query(
        `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS replayed`,
        [lsn],
      );
      if (replayed) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async refreshLag(): Promise<void> {
    if (this.probe && Date.now() - this.probe.atMs < LAG_PROBE_MAX_AGE_MS) return;
    this.probing ??= (async () => {
      const atMs = Date.now();
      const rows: { lag: number }[] = await this.replica!.query(REPLICA_LAG_SQL);
      this.probe = { atMs, lagSeconds: rows[0].lag };
    })().finally(() => (this.probing = undefined));
    await this.probing;
  }
}
