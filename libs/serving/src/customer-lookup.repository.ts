import { Injectable } from '@nestjs/common';
import { ReadDataSource } from '@tagforge/persistence';

// A current tag as the lookup statement renders it: `since` already in ISO 8601 (UTC, milliseconds).
export interface CurrentTagJson {
  tagId: string;
  value: unknown;
  since: string;
  tagVersion: number;
}

export interface CustomerTagsRow {
  version: number;
  evaluatedVersion: number;
  tags: CurrentTagJson[];
}

// The CRM lookup (exported for bench:api's plain-SQL peer, which sends the very same statement).
export const CUSTOMER_TAGS_STATEMENT = {
  name: 'customer-tags',
  text: `SELECT p.version, p.evaluated_version,
          (SELECT coalesce(json_agg(json_build_object(
                    'tagId', t.tag_id, 'value', t.value,
                    'since', to_char(t.since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'tagVersion', t.tag_version) ORDER BY t.tag_id), '[]')
             FROM customer_tag t WHERE t.customer_id = p.customer_id) AS tags
     FROM customer_profile p WHERE p.customer_id = $1 AND p.version > 0`,
} as const;

// The CRM lookup: one customer's current tags, read where serving reads (the replica, if any).
@Injectable()
export class CustomerLookupRepository {
  constructor(private readonly reads: ReadDataSource) {}

  // A customer's tags with its profile's versions, in one round trip (the CRM lookup); null when the
  // customer has no profile. A prepared statement (planned once per connection) whose tags arrive as
  // one JSON array: parsing one value costs the API far less than 40 rows with a timestamp each.
  // Read from the replica when there is one; a customer it does not know yet is asked of the primary
  // (just written: a 404 would be wrong).
  async currentOfCustomer(customerId: string): Promise<CustomerTagsRow | null> {
    type Row = { version: string; evaluated_version: string; tags: CurrentTagJson[] };
    const statement = { ...CUSTOMER_TAGS_STATEMENT, values: [customerId] };
    let rows = await this.reads.prepared<Row>(statement);
    if (rows.length === 0 && this.reads.hasReplica) rows = await this.reads.primaryPrepared<Row>(statement);
    if (rows.length === 0) return null;
    const row = rows[0];
    return { version: Number(row.version), evaluatedVersion: Number(row.evaluated_version), tags: row.tags };
  }
}
