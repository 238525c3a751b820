import Redis from 'ioredis';
import { Client } from 'pg';
import { QueueName } from '@tagforge/queue';

// Everything a rejected request must leave as it was: row counts, the highest profile version, and
// fingerprints that also catch an in-place update (a profile rewritten, a definition retired).
const SNAPSHOT_SQL = `
  SELECT
    (SELECT count(*) FROM customer_profile)::int AS customer_profile,
    (SELECT coalesce(max(version), 0) FROM customer_profile)::text AS max_profile_version,
    (SELECT md5(coalesce(string_agg(customer_id || ':' || version || ':' || profile::text || ':' ||
        section_versions::text, '|' ORDER BY customer_id), '')) FROM customer_profile) AS profiles,
    (SELECT count(*) FROM customer_tag)::int AS customer_tag,
    (SELECT count(*) FROM tag_event)::int AS tag_event,
    (SELECT count(*) FROM tag_definition)::int AS tag_definition,
    (SELECT md5(coalesce(string_agg(tag_id || '@' || version || ':' || status, '|'
        ORDER BY tag_id, version), '')) FROM tag_definition) AS definitions,
    (SELECT count(*) FROM evaluation_run)::int AS evaluation_run,
    (SELECT count(*) FROM api_key)::int AS api_key,
    (SELECT count(*) FROM api_key WHERE revoked_at IS NOT NULL)::int AS revoked_keys,
    (SELECT count(*) FROM audit_log)::int AS audit_log,
    (SELECT count(*) FROM campaign)::int AS campaign,
    (SELECT count(*) FROM campaign_member)::int AS campaign_member,
    (SELECT md5(coalesce(string_agg(customer_id || ':' || campaign_id || ':' || outcome || ':' || at::text || ':' ||
        coalesce(amount::text, ''), '|' ORDER BY customer_id, campaign_id, outcome), '')) FROM campaign_outcome) AS outcomes`;

export type StoreSnapshot = Record<string, string | number>;

export class StoreProbe {
  private constructor(
    private readonly db: Client,
    private readonly redis: Redis,
    private readonly queuePrefix: string,
  ) {}

  static async connect(databaseUrl: string, queuePrefix: string): Promise<StoreProbe> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
    await redis.connect();
    return new StoreProbe(db, redis, queuePrefix);
  }

  async close(): Promise<void> {
    await this.db.end();
    await this.redis.quit();
  }

  query<T extends object>(sql: string, values: unknown[] = []): Promise<T[]> {
    return this.db.query(sql, values).then((result) => result.rows as T[]);
  }

  // Postgres rows plus the queues: a refused write must not enqueue an evaluation either. BullMQ bumps
  // `<prefix>:<queue>:id` for every job added, so these counters count jobs even after they are gone.
  async snapshot(): Promise<StoreSnapshot> {
    const counters = Object.values(QueueName).map((queue) => `${this.queuePrefix}:${queue}:id`);
    const [[rows], values] = await Promise.all([
      this.query<StoreSnapshot>(SNAPSHOT_SQL),
      this.redis.mget(...counters),
    ]);
    return { ...rows, queueJobIds: counters.map((key, index) => `${key}=${values[index] ?? 0}`).join(' ') };
  }
}
