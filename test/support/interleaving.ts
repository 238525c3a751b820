import { Client } from 'pg';

// Deterministic interleavings for concurrency tests: a transaction of the code under test is made to
// stop at a chosen statement (a trigger that waits for an advisory lock the test holds), or waits for a
// row lock the test holds; the test then runs the other side, waits until it blocks, and lets go.

const HOOK_LOCK = 4242_4242;

export class Interleaving {
  private constructor(
    private readonly control: Client,
    private readonly holder: Client,
  ) {}

  static async connect(databaseUrl: string): Promise<Interleaving> {
    const control = new Client({ connectionString: databaseUrl });
    const holder = new Client({ connectionString: databaseUrl });
    await control.connect();
    await holder.connect();
    // A row trigger that parks the writing transaction while the hook lock is held, when armed for
    // that table and operation (cause 'erasure' rows never wait: the erasure is the other side).
    await control.query(`
      CREATE TABLE IF NOT EXISTS test_hook (table_name text NOT NULL, operation text NOT NULL);
      CREATE OR REPLACE FUNCTION test_hook_pause() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- A row trigger on a partitioned table fires on the partition (tag_history_default, ...).
        IF EXISTS (SELECT 1 FROM test_hook WHERE operation = TG_OP AND (table_name = TG_TABLE_NAME
                     OR TG_TABLE_NAME LIKE table_name || '_y%' OR TG_TABLE_NAME = table_name || '_default')) THEN
          IF TG_TABLE_NAME NOT LIKE 'tag_history%' OR to_jsonb(NEW)->>'cause' <> 'erasure' THEN
            PERFORM pg_advisory_xact_lock_shared(${HOOK_LOCK});
          END IF;
        END IF;
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS test_hook_tag_history ON tag_history;
      CREATE TRIGGER test_hook_tag_history BEFORE INSERT ON tag_history
        FOR EACH ROW EXECUTE FUNCTION test_hook_pause();
      DROP TRIGGER IF EXISTS test_hook_customer_tag ON customer_tag;
      CREATE TRIGGER test_hook_customer_tag BEFORE INSERT ON customer_tag
        FOR EACH ROW EXECUTE FUNCTION test_hook_pause();`);
    return new Interleaving(control, holder);
  }

  async close(): Promise<void> {
    await this.control.query(`DROP TABLE IF EXISTS test_hook`);
    await this.control.end();
    await this.holder.end();
  }

  // From now on, the first insert into `table` by the code under test waits until `release`.
  async pauseBeforeInsertInto(table: 'tag_history' | 'customer_tag'): Promise<void> {
    await this.control.query(`SELECT pg_advisory_lock(${HOOK_LOCK})`);
    await this.control.query(`INSERT INTO test_hook VALUES ($1, 'INSERT')`, [table]);
  }

  async release(): Promise<void> {
    await this.control.query(`DELETE FROM test_hook`);
    await this.control.query(`SELECT pg_advisory_unlock_all()`);
  }

  // Holds row locks (e.g. a profile row `FOR UPDATE`) in a transaction of the test's own until
  // `commit`, as a concurrent writer would.
  async hold(sql: string, values: unknown[] = []): Promise<void> {
    await this.holder.query('BEGIN');
    await this.holder.query(sql, values);
  }

  async commit(): Promise<void> {
    await this.holder.query('COMMIT');
  }

  // Resolves once `count` backends of this database wait for a lock (a row, or the hook's).
  async waitForBlocked(count = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.control.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type IN ('Lock') AND pid <> pg_backend_pid()`,
      );
      if (rows[0].n >= count) return;
      if (Date.now() > deadline)
        throw new Error(`fewer than ${count} backends blocked after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
