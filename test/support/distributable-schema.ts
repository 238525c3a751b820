import type { Client } from 'pg';

// What Citus requires of the migrated schema, checked on Postgres itself (Citus cannot be installed
// here). docs/scaling.md holds the plan: which tables are distributed, reference or local, and the
// statements that distribute them; test/integration/distributable-schema.test.ts keeps the two in step.

export const DISTRIBUTION_COLUMN = 'customer_id';
// The co-location anchor: every distributed table is co-located with it.
export const ANCHOR_TABLE = 'customer_profile';
export const ANCHOR_SHARD_COUNT = 64;

export interface TableShape {
  name: string;
  columns: string[];
  primaryKey: string[] | null;
  // Unique indexes and constraints other than the primary key (partial ones included).
  uniqueIndexes: { name: string; columns: string[] }[];
  partitioned: boolean;
}

export interface ForeignKeyShape {
  name: string;
  table: string;
  columns: string[];
  references: string;
  referencedColumns: string[];
}

export interface SequenceShape {
  name: string;
  type: string;
  // table.column defaults that draw from it
  usedBy: string[];
}

export interface SchemaShape {
  tables: TableShape[];
  foreignKeys: ForeignKeyShape[];
  sequences: SequenceShape[];
}

export type CitusRole = 'distributed' | 'reference' | 'local';

// The plan as docs/scaling.md writes it.
export interface CitusPlan {
  // table -> role, primary key as written
  tables: Map<string, { role: CitusRole; primaryKey: string }>;
  // sequence -> what its values are relied on for
  sequences: Map<string, string>;
  // the SQL block, verbatim
  statements: string;
}

// Tables (partitions are left out: they follow their parent), keys, foreign keys and sequences of the
// public schema.
export async function readSchema(client: Client): Promise<SchemaShape> {
  const tables = await client.query<{ name: string; columns: string[]; partitioned: boolean }>(`
    SELECT c.relname AS name, c.relkind = 'p' AS partitioned,
           array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     GROUP BY c.relname, c.relkind ORDER BY c.relname`);
  const indexes = await client.query<{ table: string; name: string; primary: boolean; columns: string[] }>(`
    SELECT t.relname AS table, ic.relname AS name, i.indisprimary AS primary,
           array(SELECT coalesce(a.attname::text, '(expression)') FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                   LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS columns
      FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND (i.indisunique OR i.indisprimary) AND NOT t.relispartition
     ORDER BY t.relname, ic.relname`);
  const exclusions = await client.query<{ table: string; name: string }>(`
    SELECT t.relname AS table, c.conname AS name FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND c.contype = 'x'`);
  const foreignKeys = await client.query<ForeignKeyShape>(`
    SELECT c.conname AS name, t.relname AS table, r.relname AS references,
           array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
           array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS "referencedColumns"
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND c.contype = 'f' AND NOT t.relispartition AND c.conparentid = 0
     ORDER BY c.conname`);
  const sequences = await client.query<{ name: string; type: string; used_by: string[] }>(`
    SELECT s.relname AS name, format_type(q.seqtypid, NULL) AS type,
           array(SELECT DISTINCT t.relname || '.' || a.attname
                   FROM pg_attrdef d JOIN pg_class t ON t.oid = d.adrelid AND NOT t.relispartition
                   JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                  WHERE pg_get_expr(d.adbin, d.adrelid) LIKE '%' || quote_literal(s.relname) || '%'
                     OR pg_get_expr(d.adbin, d.adrelid) LIKE '%' || quote_literal('public.' || s.relname) || '%'
                  ORDER BY 1) AS used_by
      FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid JOIN pg_namespace n ON n.oid = s.relnamespace
     WHERE n.nspname = 'public' ORDER BY s.relname`);
  return {
    tables: tables.rows.map((table) => ({
      name: table.name,
      columns: table.columns,
      partitioned: table.partitioned,
      primaryKey: indexes.rows.find((index) => index.table === table.name && index.primary)?.columns ?? null,
      uniqueIndexes: [
        ...indexes.rows
          .filter((index) => index.table === table.name && !index.primary)
          .map((index) => ({ name: index.name, columns: index.columns })),
        // An exclusion constraint is a uniqueness rule Citus allows only with the distribution column.
        ...exclusions.rows
          .filter((exclusion) => exclusion.table === table.name)
          .map((exclusion) => ({ name: exclusion.name, columns: ['(exclusion)'] })),
      ],
    })),
    foreignKeys: foreignKeys.rows,
    sequences: sequences.rows.map((sequence) => ({
      name: sequence.name,
      type: sequence.type,
      usedBy: sequence.used_by,
    })),
  };
}

// A table holds customer data when it has the customer key: it must be distributed on it.
export function holdsCustomerData(table: TableShape): boolean {
  return table.columns.includes(DISTRIBUTION_COLUMN);
}

// Everything Citus would refuse, or that would break once distributed, as one line each.
export function distributionProblems(schema: SchemaShape, plan: CitusPlan): string[] {
  const problems: string[] = [];
  const roleOf = new Map(schema.tables.map((table) => [table.name, plan.tables.get(table.name)?.role]));
  for (const table of schema.tables) {
    const planned = plan.tables.get(table.name);
    const pk = table.primaryKey ? `(${table.primaryKey.join(', ')})` : '—';
    if (!planned) {
      problems.push(
        `${table.name}: not in docs/scaling.md's plan (add a row: \`${table.name}\` | \`${pk}\` | ${holdsCustomerData(table) ? 'distributed' : 'reference or local'})`,
      );
      continue;
    }
    if (planned.primaryKey !== pk) {
      problems.push(
        `${table.name}: docs/scaling.md says primary key ${planned.primaryKey}, the schema has ${pk}`,
      );
    }
    if (holdsCustomerData(table) && planned.role !== 'distributed') {
      problems.push(
        `${table.name}: holds ${DISTRIBUTION_COLUMN} but is planned as ${planned.role}, not distributed`,
      );
    }
    if (!holdsCustomerData(table) && planned.role === 'distributed') {
      problems.push(`${table.name}: planned as distributed but has no ${DISTRIBUTION_COLUMN} column`);
    }
    if (planned.role !== 'distributed') continue;
    if (table.primaryKey?.[0] !== DISTRIBUTION_COLUMN) {
      problems.push(`${table.name}: its primary key ${pk} does not lead with ${DISTRIBUTION_COLUMN}`);
    }
    for (const index of table.uniqueIndexes) {
      if (index.columns[0] !== DISTRIBUTION_COLUMN) {
        problems.push(
          `${table.name}: unique index ${index.name} (${index.columns.join(', ')}) does not lead with ${DISTRIBUTION_COLUMN}`,
        );
      }
    }
  }
  for (const name of plan.tables.keys()) {
    if (!roleOf.has(name)) problems.push(`${name}: in docs/scaling.md's plan but not in the schema`);
  }
  for (const key of schema.foreignKeys) {
    const from = roleOf.get(key.table);
    const to = roleOf.get(key.references);
    const onDistributionColumn = key.columns.some(
      (column, index) =>
        column === DISTRIBUTION_COLUMN && key.referencedColumns[index] === DISTRIBUTION_COLUMN,
    );
    if (from === 'distributed' && to === 'distributed' && !onDistributionColumn) {
      problems.push(
        `${key.name}: a foreign key between distributed tables ${key.table} -> ${key.references} not on ${DISTRIBUTION_COLUMN}`,
      );
    }
    if (from !== 'distributed' && to === 'distributed') {
      problems.push(
        `${key.name}: a ${from ?? 'unplanned'} table ${key.table} references the distributed ${key.references}`,
      );
    }
  }
  const planned = new Set(plan.sequences.keys());
  for (const sequence of schema.sequences) {
    const onDistributed = sequence.usedBy.some((use) => roleOf.get(use.split('.')[0]) === 'distributed');
    if (!planned.has(sequence.name)) {
      problems.push(
        `${sequence.name}: a sequence docs/scaling.md does not list (say what its values are relied on for; they are not gap-free across shards)`,
      );
    }
    planned.delete(sequence.name);
    // Citus hands every node its own range of a distributed table's sequence: only bigint leaves room.
    if (onDistributed && sequence.type !== 'bigint') {
      problems.push(
        `${sequence.name}: feeds distributed ${sequence.usedBy.join(', ')} but is ${sequence.type}, not bigint`,
      );
    }
    const promise = plan.sequences.get(sequence.name) ?? '';
    if (onDistributed && /gap-?free|no gaps|consecutive/i.test(promise) && !/not gap-?free/i.test(promise)) {
      problems.push(`${sequence.name}: relied on as gap-free, which no sequence is across shards`);
    }
  }
  for (const name of planned) problems.push(`${name}: a sequence in docs/scaling.md but not in the schema`);
  return problems;
}

// The statements that distribute this schema, in the order Citus needs (reference tables before the
// distributed tables that may reference them; the anchor before the tables co-located with it).
export function citusStatements(schema: SchemaShape, plan: CitusPlan): string {
  const named = (role: CitusRole) =>
    schema.tables
      .filter((table) => plan.tables.get(table.name)?.role === role)
      .map((table) => table.name)
      .sort();
  const distributed = named('distributed').filter((name) => name !== ANCHOR_TABLE);
  return [
    '-- On the coordinator, after `tagctl migrate` has created the schema there (CREATE EXTENSION citus first).',
    ...named('reference').map((name) => `SELECT create_reference_table('${name}');`),
    `SELECT create_distributed_table('${ANCHOR_TABLE}', '${DISTRIBUTION_COLUMN}', shard_count := ${ANCHOR_SHARD_COUNT});`,
    ...distributed.map(
      (name) =>
        `SELECT create_distributed_table('${name}', '${DISTRIBUTION_COLUMN}', colocate_with := '${ANCHOR_TABLE}');`,
    ),
    ...named('local')
      .filter((name) => name !== 'typeorm_migration')
      .map((name) => `SELECT citus_add_local_table_to_metadata('${name}');`),
  ].join('\n');
}

// The plan from docs/scaling.md: the rows of the table under "### The Citus plan"
// (`| \`name\` | \`(pk)\` | role ... |`), the rows of the table under "### Sequences"
// (`| \`name\` | used by | relied on for |`) and the sql block under "### The Citus plan".
export function parseCitusPlan(markdown: string): CitusPlan {
  const section = (heading: string) => {
    const start = markdown.indexOf(`\n### ${heading}\n`);
    if (start < 0) throw new Error(`docs/scaling.md has no "### ${heading}" section`);
    const end = markdown.slice(start + 1).search(/\n#{2,3} /);
    return end < 0 ? markdown.slice(start) : markdown.slice(start, start + 1 + end);
  };
  const planText = section('The Citus plan');
  const tables = new Map<string, { role: CitusRole; primaryKey: string }>();
  for (const match of planText.matchAll(/^\| `([a-z_]+)`[^|]* \| (`\([^`]*\)`|—) \| (\w+)/gm)) {
    const role = match[3] as CitusRole;
    if (!['distributed', 'reference', 'local'].includes(role)) {
      throw new Error(`docs/scaling.md: ${match[1]} has role "${role}" (distributed, reference or local)`);
    }
    tables.set(match[1], { role, primaryKey: match[2].replace(/`/g, '') });
  }
  const sql = /```sql\n([\s\S]*?)\n```/.exec(planText);
  if (!sql) throw new Error('docs/scaling.md: no ```sql block under "### The Citus plan"');
  const sequences = new Map<string, string>();
  for (const match of section('Sequences').matchAll(/^\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \|/gm)) {
    sequences.set(match[1], match[2].trim());
  }
  return { tables, sequences, statements: sql[1] };
}
