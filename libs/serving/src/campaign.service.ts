import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import {
  campaignReport,
  controlBuckets,
  MAX_OUTCOME_LINES,
  parseOutcomeLine,
  type CampaignGroup,
  type CampaignReportBody,
  type Outcome,
  type OutcomeLineError,
  type OutcomeRecord,
} from '@tagforge/campaigns';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import {
  AuditLogRepository,
  CampaignRepository,
  EVERYONE,
  TagDefinitionRepository,
  type CampaignMemberRow,
  type CampaignRow,
  type OutcomeWrite,
} from '@tagforge/persistence';
import { readsOnlyBureau } from '@tagforge/rules';
import { definitionDependencies } from './bureau-derived';
import { CAMPAIGN_MEMBERS_CURSOR, CAMPAIGNS_CURSOR } from './cursors';
import { csvField, streamPages, type ExportFormat } from './export-stream';

export const CHANNELS = ['sms', 'app', 'wechat', 'phone', 'email', 'branch'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface CampaignRequest {
  id: string;
  name: string;
  audience: string;
  channel: Channel;
  holdoutPercent: number;
}

export interface CampaignView {
  id: string;
  name: string;
  audience: string;
  audienceVersion: number | null;
  channel: string;
  holdoutPercent: number;
  frozenAt: Date;
  members: number;
  groups: { target: number; control: number };
  createdBy: string;
  createdAt: Date;
}

export interface OutcomeLineResult {
  line: number;
  status: 'ok';
  customerId: string;
  outcome: Outcome;
  group: CampaignGroup;
  // What the line did: a new outcome, a corrected one, the same again, or overtaken by a later line
  // of this batch for the same customer and outcome.
  recorded: OutcomeWrite | 'superseded';
}

export interface OutcomeBatchReport {
  lines: number;
  ok: number;
  failed: number;
  skipped: number;
  results: (OutcomeLineResult | (OutcomeLineError & { error: { code: ErrorCode; message: string } }))[];
}

export interface CampaignReport extends CampaignReportBody {
  campaignId: string;
  frozenAt: Date;
  holdoutPercent: number;
  // The tag the report is cut by, with its values as the freeze saw them.
  by?: { tagId: string; valuesAsOf: Date };
}

export const MAX_CAMPAIGNS_PAGE = 1000;
export const DEFAULT_CAMPAIGNS_PAGE = 100;
const EXPORT_PAGE = 10_000;

const view = (row: CampaignRow): CampaignView => ({
  id: row.id,
  name: row.name,
  audience: row.audience,
  audienceVersion: row.audienceVersion,
  channel: row.channel,
  holdoutPercent: row.holdoutPercent,
  frozenAt: row.frozenAt,
  members: row.members,
  groups: { target: row.members - row.controlMembers, control: row.controlMembers },
  createdBy: row.createdBy,
  createdAt: row.createdAt,
});

// Campaigns with control groups: freeze, members, outcomes, reports.
@Injectable()
export class CampaignService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly definitions: TagDefinitionRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  /**
   * Freezes the audience now and splits it by the campaign's seeded hash (the seed is the campaign
   * id): the campaign, its members and the audit row in one transaction.
   */
  async create(
    request: CampaignRequest,
    actor: { keyId: string | null; name: string },
  ): Promise<CampaignView> {
    let audienceVersion: number | null = null;
    if (request.audience !== EVERYONE) {
      const definition = await this.definitions.findActiveVersion(request.audience);
      if (!definition) {
        throw new TagforgeException(ErrorCode.NotFound, `no active segment or tag ${request.audience}`);
      }
      if (definition.kind !== 'segment' && definition.kind !== 'boolean') {
        throw new TagforgeException(
          ErrorCode.BadRequest,
          `${request.audience} is a ${definition.kind} tag: a campaign's audience is a segment, a boolean tag or "*"`,
        );
      }
      audienceVersion = definition.version;
    }
    return this.campaigns.transaction(async (manager) => {
      const row = await this.campaigns.freeze(
        {
          id: request.id,
          name: request.name,
          audience: request.audience,
          audienceVersion,
          channel: request.channel,
          holdoutPercent: request.holdoutPercent,
          seed: request.id,
          controlBuckets: controlBuckets(request.holdoutPercent),
          createdBy: actor.name,
        },
        manager,
      );
      if (!row) throw new TagforgeException(ErrorCode.Conflict, `campaign ${request.id} exists`);
      const created = view(row);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'campaign.create',
          entity: 'campaign',
          entityId: row.id,
          after: created,
        },
        manager,
      );
      return created;
    });
  }

  async get(id: string): Promise<CampaignView> {
    return view(await this.find(id));
  }

  async list(
    after: string | null,
    limit: number,
  ): Promise<{ items: CampaignView[]; nextCursor: string | null }> {
    const rows = await this.campaigns.list(after, limit);
    return {
      items: rows.map(view),
      nextCursor: rows.length === limit ? CAMPAIGNS_CURSOR.encode(rows[rows.length - 1].id) : null,
    };
  }

  async members(
    id: string,
    group: CampaignGroup | null,
    after: string | null,
    limit: number,
  ): Promise<{ items: CampaignMemberRow[]; nextCursor: string | null }> {
    await this.find(id);
    const rows = await this.campaigns.membersPage(id, group, after, limit);
    return {
      items: rows,
      nextCursor:
        rows.length === limit ? CAMPAIGN_MEMBERS_CURSOR.encode(rows[rows.length - 1].customerId) : null,
    };
  }

  async exportMembers(
    id: string,
    group: CampaignGroup | null,
    format: ExportFormat,
    open: () => Writable,
  ): Promise<void> {
    await this.find(id);
    await streamPages<CampaignMemberRow>(
      open,
      EXPORT_PAGE,
      format === 'csv' ? 'customer_id,group\n' : null,
      (after) => this.campaigns.membersPage(id, group, after, EXPORT_PAGE),
      (member) =>
        format === 'csv' ? `${csvField(member.customerId)},${member.group}\n` : `${JSON.stringify(member)}\n`,
      (member) => member.customerId,
    );
  }

  /**
   * Outcomes as NDJSON, one `{"customerId", "outcome", "at", "amount"?}` per line, as profile batches
   * are taken: each line answered on its own, in one transaction, a line either written or not;
   * customers who are not members are refused per line; a batch in which no line could be written
   * is a 422 with every line's report. Idempotent per (customer, outcome).
   */
  async recordOutcomes(
    id: string,
    ndjson: string,
    actor: { keyId: string | null; name: string },
    now = new Date(),
  ): Promise<OutcomeBatchReport> {
    const lines = ndjson.split('\n');
    if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length > MAX_OUTCOME_LINES) {
      throw new TagforgeException(
        ErrorCode.PayloadTooLarge,
        `a batch holds at most ${MAX_OUTCOME_LINES} lines; this one has ${lines.length}`,
      );
    }
    await this.find(id);
    const results: OutcomeBatchReport['results'] = [];
    const records: (OutcomeRecord & { line: number })[] = [];
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      const parsed = parseOutcomeLine(text, index + 1, now);
      if ('status' in parsed) results.push(parsed);
      else records.push({ ...parsed, line: index + 1 });
    });
    const answered = results.length + records.length;
    if (answered === 0) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        'the batch holds no lines: send one JSON object per line',
      );
    }
    await this.campaigns.transaction(async (manager) => {
      if (records.length === 0) return;
      const groups = await this.campaigns.lockMembers(
        id,
        [...new Set(records.map((record) => record.customerId))],
        manager,
      );
      // The last line for a (customer, outcome) is the one stored.
      const last = new Map<string, OutcomeRecord & { line: number }>();
      const accepted: (OutcomeRecord & { line: number; group: CampaignGroup })[] = [];
      for (const record of records) {
        const group = groups.get(record.customerId);
        if (!group) {
          results.push({
            line: record.line,
            status: 'error',
            customerId: record.customerId,
            error: {
              code: ErrorCode.NotFound,
              message: `line ${record.line}: ${record.customerId} is not a member of campaign ${id}`,
            },
          });
          continue;
        }
        accepted.push({ ...record, group });
        last.set(`${record.customerId}\u0000${record.outcome}`, record);
      }
      const written = await this.campaigns.upsertOutcomes(id, [...last.values()], manager);
      for (const record of accepted) {
        const key = `${record.customerId}\u0000${record.outcome}`;
        results.push({
          line: record.line,
          status: 'ok',
          customerId: record.customerId,
          outcome: record.outcome,
          group: record.group,
          recorded: last.get(key)!.line === record.line ? written.get(key)! : 'superseded',
        });
      }
      const counts = { created: 0, updated: 0, unchanged: 0 };
      for (const outcome of written.values()) counts[outcome] += 1;
      // A batch that changed nothing (a replay) leaves no trace, as a profile write that changes nothing.
      if (counts.created + counts.updated > 0) {
        await this.audit.append(
          {
            actorKeyId: actor.keyId,
            actorName: actor.name,
            action: 'campaign.outcomes',
            entity: 'campaign',
            entityId: id,
            after: { lines: accepted.length, ...counts },
          },
          manager,
        );
      }
    });
    results.sort((a, b) => a.line - b.line);
    const ok = results.filter((result) => result.status === 'ok').length;
    if (ok === 0) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `every line of the batch failed (${answered} of ${answered}); nothing was written`,
        results,
      );
    }
    return { lines: answered, ok, failed: answered - ok, skipped: lines.length - answered, results };
  }

  /**
   * Members, outcome counts and rates (Wilson 95 %) per group, target against control per outcome;
   * with `by`, the same per value of that tag as the freeze saw it (a value the campaign itself may
   * have changed afterwards would judge the campaign on its own effect). A tag computed from bureau
   * data alone needs bureau:read.
   */
  async report(id: string, byTagId: string | null, canReadBureau: boolean): Promise<CampaignReport> {
    const campaign = await this.find(id);
    if (byTagId !== null) {
      const definitions = new Map((await this.definitions.findActive()).map((row) => [row.tagId, row]));
      const by = definitions.get(byTagId);
      if (!by) throw new TagforgeException(ErrorCode.NotFound, `no active tag ${byTagId}`);
      if (by.kind === 'number') {
        throw new TagforgeException(
          ErrorCode.BadRequest,
          `${byTagId} is a number tag: cut a report by a category or boolean tag, or a segment`,
        );
      }
      if (!canReadBureau && readsOnlyBureau(byTagId, definitionDependencies(definitions))) {
        throw new TagforgeException(
          ErrorCode.Forbidden,
          `${byTagId} is computed from credit-bureau data alone: a report by it needs the "bureau:read" scope`,
        );
      }
    }
    const rows = await this.campaigns.reportCounts(campaign, byTagId);
    return {
      campaignId: campaign.id,
      frozenAt: campaign.frozenAt,
      holdoutPercent: campaign.holdoutPercent,
      ...(byTagId !== null ? { by: { tagId: byTagId, valuesAsOf: campaign.frozenAt } } : {}),
      ...campaignReport(rows, byTagId !== null),
    };
  }

  private async find(id: string): Promise<CampaignRow> {
    const row = await this.campaigns.find(id);
    if (!row) throw new TagforgeException(ErrorCode.NotFound, `no campaign ${id}`);
    return row;
  }
}
