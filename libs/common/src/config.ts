import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
const toNumber = toInt;

// Every environment variable the service reads, validated once at boot. Nothing else reads process.env.
export class AppConfig {
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tagforge';

  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  // A streaming replica for serving reads (CRM lookups, audience pages and exports); unset: every
  // read goes to DATABASE_URL. Writes, locks, feeds and reads of one's own writes always do.
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  // Seeds of a Redis Cluster (comma-separated host:port); when set it replaces REDIS_URL, and each
  // queue gets its own hash tag so the queues spread over the primaries.
  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, {
    message: 'must be comma-separated host:port seeds such as 10.0.0.1:7000,10.0.0.2:7000',
  })
  REDIS_CLUSTER_NODES?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'must be at least 24 characters (use a long random secret)' })
  BOOTSTRAP_API_KEY?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IsString()
  TAG_DEFINITIONS_DIR = 'tag-definitions';

  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  // Redis key prefix for every queue; the braces make it a Redis Cluster hash tag.
  @Matches(/^\{[A-Za-z0-9_-]+\}$/, { message: 'must be a hash tag such as {tagforge}' })
  QUEUE_PREFIX = '{tagforge}';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  DB_POOL_SIZE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  WORKER_CONCURRENCY = 6;

  // Run chunks are few and heavy (a connection and up to 1,000 row locks each): fewer at a time.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  RUN_CONCURRENCY = 2;

  // Maker-checker: activating a version needs an approval by a key other than its creator's.
  // Unset means on in production (NODE_ENV=production) and off elsewhere.
  @IsOptional()
  @IsIn(['true', 'false'])
  REQUIRE_APPROVAL?: 'true' | 'false';

  get requireApproval(): boolean {
    return this.REQUIRE_APPROVAL === undefined
      ? this.NODE_ENV === 'production'
      : this.REQUIRE_APPROVAL === 'true';
  }

  // The database is the source of truth for definitions. At start-up the API imports
  // TAG_DEFINITIONS_DIR only into an empty catalog (`empty`, the default: first boot, the demo); with
  // `always` it also imports changes at every start (under REQUIRE_APPROVAL as a change set of drafts
  // awaiting approval, never active); with `never` not even into an empty one. Otherwise start-up only
  // reports drift between the folder and the live catalog.
  @IsIn(['empty', 'always', 'never'])
  DEFINITIONS_IMPORT: 'empty' | 'always' | 'never' = 'empty';

  // An activation fails (and is rolled back) when rule errors hit more than this share of the customers
  // evaluated; refused up front when a sample shows it. Per activation: errorThresholdPercent.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? Number(value) : value,
  )
  @IsNumber()
  @Min(0)
  @Max(100)
  RUN_ERROR_THRESHOLD_PERCENT = 1;

  // Customers an activation is tried on before it starts (0: no trial).
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000)
  RUN_PREFLIGHT_SAMPLE = 1000;

  // A profile section stamped (asOf) further ahead of the server clock than this is refused (422).
  @Transform(toInt)
  @IsInt()
  @Min(0)
  AS_OF_MAX_FUTURE_SECONDS = 300;

  // Requests per second per API key (token bucket in each API process).
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_SECOND = 2000;

  // Prometheus metrics of a worker process (it has no other HTTP server); 0 turns them off.
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 9464;

  // Customers written but not evaluated for this long are re-enqueued by the reconciler.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RECONCILE_GRACE_SECONDS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RECONCILE_INTERVAL_SECONDS = 30;

  // When rules that read `now` are re-evaluated for every customer (cron, server time zone).
  @Matches(/^(\S+\s+){4}\S+$/, { message: 'must be a five-field cron expression such as "0 2 * * *"' })
  TIME_DEPENDENT_CRON = '0 2 * * *';

  // Destinations (webhooks): hosts that may be reached over plain http and at private, loopback or
  // link-local addresses (comma-separated host names or IPs, e.g. "127.0.0.1,localhost" in tests).
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9.:,_\-[\] ]*$/, { message: 'must be a comma-separated list of host names or IPs' })
  DESTINATION_ALLOWED_HOSTS?: string;

  // How long a failing batch is retried (exponential backoff with jitter) before the destination is
  // disabled (its cursor kept: nothing is dropped).
  @Transform(toNumber)
  @IsNumber()
  @Min(0.001)
  @Max(24 * 30)
  DESTINATION_RETRY_HOURS = 24;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  DESTINATION_BACKOFF_BASE_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DESTINATION_BACKOFF_MAX_MS = 3_600_000;

  // Failed attempts in a row after which a destination is disabled.
  @Transform(toInt)
  @IsInt()
  @Min(1)
  DESTINATION_DISABLE_AFTER_FAILURES = 50;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DESTINATION_CONNECT_TIMEOUT_MS = 3000;

  // From sending a batch to the end of the receiver's answer.
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  DESTINATION_TIMEOUT_MS = 10_000;

  // Destinations a worker delivers to at once (a hanging receiver holds one slot until its timeout).
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  DESTINATION_CONCURRENCY = 4;

  // How often a worker looks for destinations with something to deliver: one small query per tick,
  // and half a tick on average of every alert's latency (200 ms gave p99 1.13 s, 50 ms 0.59 s).
  @Transform(toInt)
  @IsInt()
  @Min(20)
  @Max(60_000)
  DESTINATION_POLL_MS = 50;
}

export class ConfigError extends Error {}

// Keys written in this repository (dev and test conveniences): anyone who has read it knows them, so a
// production deployment must never run with one as its admin key. A unit test keeps the list complete.
export const PUBLIC_BOOTSTRAP_KEYS: readonly string[] = [
  'change-me-to-a-long-random-secret',
  'tagforge-local-dev-key-change-me',
  'test-bootstrap-key-0123456789abcdef',
  'reliability-bootstrap-key-0123456789abcdef',
];
export const MIN_PRODUCTION_KEY_LENGTH = 32;

// Why a bootstrap key must not be used in production, or null when it may.
export function weakBootstrapKey(key: string): string | null {
  if (PUBLIC_BOOTSTRAP_KEYS.includes(key)) return 'is a key published in the Tagforge repository';
  if (key.length < MIN_PRODUCTION_KEY_LENGTH) {
    return `is shorter than ${MIN_PRODUCTION_KEY_LENGTH} characters (use e.g. openssl rand -hex 32)`;
  }
  // 32 characters of very few distinct ones ("aaaa...", "abab...") are not random.
  if (new Set(key).size < 10) return 'does not look random (fewer than 10 distinct characters)';
  return null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const provided = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.includes(key) && value !== undefined && value !== ''),
  );
  // Tests and tagctl run with NODE_ENV=test by jest; keep defaults for everything not given.
  const config = plainToInstance(AppConfig, provided, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join('; ');
      return `  ${error.property}=${JSON.stringify(env[error.property])}: ${reasons}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const weakness =
    config.NODE_ENV === 'production' && config.BOOTSTRAP_API_KEY !== undefined
      ? weakBootstrapKey(config.BOOTSTRAP_API_KEY)
      : null;
  if (weakness !== null) {
    // The key itself is never printed.
    throw new ConfigError(
      `Invalid configuration:\n  BOOTSTRAP_API_KEY: in production (NODE_ENV=production) the bootstrap admin key ${weakness}`,
    );
  }
  return config;
}
