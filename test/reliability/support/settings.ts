import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// RELIABILITY_SHORT=1 is the CI form: the same scenarios on fewer customers and shorter phases.
export const SHORT = process.env.RELIABILITY_SHORT === '1';

export const REPO_ROOT = resolve(__dirname, '../../..');
// The services run from a build, as in production; RELIABILITY_DIST points at another build
// (one made with `tsc --outDir` while someone else rebuilds dist/, say).
export const DIST = resolve(process.env.RELIABILITY_DIST ?? join(REPO_ROOT, 'dist'));
export const API_ENTRY = join(DIST, 'apps/api/src/main.js');
export const WORKER_ENTRY = join(DIST, 'apps/worker/src/main.js');
export const CLI_ENTRY = join(DIST, 'apps/cli/src/main.js');
export const DEFINITIONS_DIR = join(REPO_ROOT, 'tag-definitions');

// The shared Postgres: scenarios create (and drop) databases of their own there.
export const ADMIN_DATABASE_URL =
  process.env.RELIABILITY_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const DATABASE_PREFIX = 'tagforge_rel_';

// The services run as in production, which refuses a bootstrap key written in the repository: a
// fresh one for every run.
export const BOOTSTRAP_KEY = `reliability-${randomBytes(24).toString('base64url')}`;
export const SERVICE_LOG_LEVEL = process.env.RELIABILITY_LOG_LEVEL ?? 'warn';

// Logs of every process, the reference evaluation's input and output; kept after the run.
export const WORK_DIR = join(tmpdir(), `tagforge-reliability-${process.pid}`);
mkdirSync(WORK_DIR, { recursive: true });

export function pick<T>(short: T, long: T): T {
  return SHORT ? short : long;
}

// The reconciler settings every scenario runs with: lost work is found within a few seconds.
// (A shorter grace re-enqueues the whole backlog every tick while the workers are merely behind.)
export const RECONCILE_GRACE_SECONDS = 3;
export const RECONCILE_INTERVAL_SECONDS = 2;
