import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

// The plain-SQL peer of (a): how long Postgres alone takes to write the rows a first evaluation
// writes (its customer_tag rows and tag_history rows). A sample of 1,000-customer blocks, spread over the id space, is copied from the tables
// (a) filled into empty tables with the same columns, defaults and indexes, one transaction per
// block as a run chunk commits, on `connections` connections at once. No evaluation, no client-side
// rows, no profile update: the result is a lower bound on (a) for this schema on this machine
// (empty indexes are cheaper to insert into than full ones, so the bound is, if anything, low).

export interface SqlFloor {
  customers: number;
  tagRows: number;
  // tag_history rows, and the changes they hold
  historyRows: number;
  changes: number;
  seconds: number;
  // Projected to every customer at the sampled rate.
  projectedSeconds: number;
}

const BLOCK = 1000;
const TAG_COPY = 'bench_floor_customer_tag';
const HISTORY_COPY = 'bench_floor_tag_history';

export async function measureSqlWriteFloor(
  databaseUrl: string,
  options: { customers: number; sampleCustomers: number; connections: number },
): Promise<SqlFloor> {
  const clients = Array.from(
    { length: options.connections },
    () => new Client({ connectionString: databaseUrl }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const [admin] = clients;
  try {
    await admin.query(`DROP TABLE IF EXISTS ${TAG_COPY}, ${HISTORY_COPY}`);
    await admin.query(`CREATE TABLE ${TAG_COPY} (LIKE customer_tag INCLUDING ALL)`);
    await admin.query(`CREATE TABLE ${HISTORY_COPY} (LIKE tag_history INCLUDING ALL)`);
    const stride = Math.max(1, Math.floor(options.customers / options.sampleCustomers));
    const { rows: blocks } = await admin.query<{ lo: string; hi: string; customers: number }>(
      `SELECT min(customer_id) AS lo, max(customer_id) AS hi, count(*)::int AS customers
         FROM (SELECT customer_id, (row_number() OVER (ORDER BY customer_id) - 1) / $1 AS block
                 FROM customer_profile) AS numbered
        WHERE block % $2 = 0
        GROUP BY block ORDER BY block`,
      [BLOCK, stride],
    );
    let next = 0;
    let tagRows = 0;
    let historyRows = 0;
    let changes = 0;
    const copyBlocks = async (client: Client) => {
      for (let index = next++; index < blocks.length; index = next++) {
        const { lo, hi } = blocks[index];
        await client.query('BEGIN');
        await client.query('SET LOCAL synchronous_commit = off');
        const tags = await client.query(
          `INSERT INTO ${TAG_COPY} SELECT * FROM customer_tag WHERE customer_id BETWEEN $1 AND $2`,
          [lo, hi],
        );
        const history = await client.query<{ changes: number }>(
          `INSERT INTO ${HISTORY_COPY} (customer_id, tag_ids, changes, profile_version, cause, run_id)
           SELECT customer_id, tag_ids, changes, profile_version, cause, run_id
             FROM tag_history WHERE customer_id BETWEEN $1 AND $2
           RETURNING cardinality(tag_ids) AS changes`,
          [lo, hi],
        );
        await client.query('COMMIT');
        tagRows += tags.rowCount ?? 0;
        historyRows += history.rowCount ?? 0;
        changes += history.rows.reduce((sum, row) => sum + row.changes, 0);
      }
    };
    const started = performance.now();
    await Promise.all(clients.map(copyBlocks));
    const seconds = (performance.now() - started) / 1000;
    const sampled = blocks.reduce((sum, block) => sum + block.customers, 0);
    return {
      customers: sampled,
      tagRows,
      historyRows,
      changes,
      seconds,
      projectedSeconds: (seconds / sampled) * options.customers,
    };
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${TAG_COPY}, ${HISTORY_COPY}`).catch(() => undefined);
    await Promise.allSettled(clients.map((client) => client.end()));
  }
}
