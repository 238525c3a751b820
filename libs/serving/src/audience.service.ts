import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import {
  AudienceRepository,
  IS_SET,
  TagDefinitionRepository,
  type Member,
  type MembershipFilter,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import { ruleOutcomes } from '@tagforge/rules';
import { CHANGES_CURSOR, MEMBERS_CURSOR, type FeedPosition } from './cursors';
import { ExportColumns, type ColumnRequest, type ResolvedColumns } from './export-columns';
import { cellText, csvField, streamPages, type ExportFormat } from './export-stream';

export type { ExportFormat } from './export-stream';

export type AudienceKind = 'segment' | 'tag';

export const MAX_MEMBERS_PAGE = 10_000;
export const DEFAULT_MEMBERS_PAGE = 1000;
export const MAX_CHANGES_PAGE = 10_000;
export const DEFAULT_CHANGES_PAGE = 1000;
const EXPORT_PAGE = 10_000;

// Which audience: a segment, or a tag — a boolean tag as it is, a category tag by one value, a
// number tag within bounds.
export interface AudienceRef {
  id: string;
  kind: AudienceKind;
  value?: string;
  min?: number;
  max?: number;
}

export interface AudienceSummary {
  id: string;
  kind: string;
  purpose: string;
  name: string | null;
  nameZh: string | null;
  description: string | null;
  version: number;
  value?: string;
  min?: number;
  max?: number;
  size: number;
  asOf?: string;
  lastChangedAt: Date | null;
  // The changes feed's cursor where it stands now: read changes from here after a full export.
  head: string;
  rule?: unknown;
}

export interface MemberItem extends Member {
  columns?: Record<string, unknown>;
}

export interface MembersPage {
  items: MemberItem[];
  nextCursor: string | null;
  asOf?: string;
}

export interface ChangeItem {
  seq: string;
  customerId: string;
  change: 'entered' | 'exited';
  at: Date;
  segmentVersion: number;
}

export interface ChangesPage {
  items: ChangeItem[];
  nextCursor: string;
  head: string;
}

interface Resolved {
  row: TagDefinitionEntity;
  filter: MembershipFilter;
  echo: Pick<AudienceSummary, 'value' | 'min' | 'max'>;
}

// Segments, and tags, as audiences for campaign tools.
@Injectable()
export class AudienceService {
  constructor(
    private readonly audiences: AudienceRepository,
    private readonly definitions: TagDefinitionRepository,
    private readonly columns: ExportColumns,
  ) {}

  // Every segment active now, or active at `asOf` with its size then.
  async list(asOf?: Date): Promise<AudienceSummary[]> {
    const rows = asOf ? await this.definitions.activeAt(asOf) : await this.definitions.findActive();
    const head = CHANGES_CURSOR.encode(await this.audiences.feedHead());
    return Promise.all(
      rows
        .filter((row) => row.kind === 'segment')
        .map((row) => this.summaryOf({ row, filter: IS_SET, echo: {} }, asOf, head, false)),
    );
  }

  async get(ref: AudienceRef, asOf?: Date): Promise<AudienceSummary> {
    const [resolved, head] = await Promise.all([this.resolve(ref, asOf), this.audiences.feedHead()]);
    return this.summaryOf(resolved, asOf, CHANGES_CURSOR.encode(head), true);
  }

  async members(
    ref: AudienceRef,
    page: { after: string | null; limit: number; asOf?: Date; columns?: readonly ColumnRequest[] },
    canReadBureau: boolean,
  ): Promise<MembersPage> {
    const { row, filter } = await this.resolve(ref, page.asOf);
    const columns = await this.columns.resolve(page.columns ?? [], page.asOf, canReadBureau);
    const members = await this.page(row.tagId, filter, page.after, page.limit, page.asOf);
    const items = columns ? await this.withColumns(members, columns, page.asOf) : members;
    // Keyset on customer id: a page boundary never moves, whatever changes between requests.
    const last = members[members.length - 1];
    return {
      items,
      nextCursor: members.length === page.limit ? MEMBERS_CURSOR.encode(last.customerId) : null,
      ...(page.asOf ? { asOf: page.asOf.toISOString() } : {}),
    };
  }

  // Streams every member with backpressure, page by page, so memory stays flat for any size; stops
  // as soon as the client goes away.
  async exportMembers(
    ref: AudienceRef,
    options: { format: ExportFormat; asOf?: Date; columns?: readonly ColumnRequest[] },
    canReadBureau: boolean,
    // Called once the request is known to be valid: the stream the members are written to.
    open: () => Writable,
  ): Promise<void> {
    const { row, filter } = await this.resolve(ref, options.asOf);
    const columns = await this.columns.resolve(options.columns ?? [], options.asOf, canReadBureau);
    const names = columns?.names ?? [];
    await streamPages<MemberItem>(
      open,
      EXPORT_PAGE,
      options.format === 'csv' ? `${['customer_id', 'since', ...names].map(csvField).join(',')}\n` : null,
      async (after) => {
        const members = await this.page(row.tagId, filter, after, EXPORT_PAGE, options.asOf);
        return columns ? this.withColumns(members, columns, options.asOf) : members;
      },
      (member) => {
        if (options.format !== 'csv') return `${JSON.stringify(member)}\n`;
        const extra = names.map((name) => csvField(cellText(member.columns?.[name])));
        return `${[member.customerId, member.since.toISOString(), ...extra].join(',')}\n`;
      },
      (member) => member.customerId,
    );
  }

  // Entered/exited feed. `since` is a cursor of this feed, 'now' for where it stands, or undefined
  // for its beginning.
  async changes(
    ref: AudienceRef,
    query: { since?: FeedPosition | 'now'; limit: number },
  ): Promise<ChangesPage> {
    const { row, filter } = await this.resolve(ref);
    const headPosition = await this.audiences.feedHead();
    const head = CHANGES_CURSOR.encode(headPosition);
    if (query.since === 'now') return { items: [], nextCursor: head, head };
    const rows = await this.audiences.changesAfter(row.tagId, query.since ?? null, query.limit, filter);
    const last = rows[rows.length - 1];
    return {
      items: rows.map((change) => ({
        seq: change.seq,
        customerId: change.customerId,
        change: change.entered ? 'entered' : 'exited',
        at: change.at,
        segmentVersion: change.tagVersion,
      })),
      // Always a cursor: a consumer stores it and calls again; an empty page keeps its place.
      nextCursor: last
        ? CHANGES_CURSOR.encode({ txid: last.txid, seq: last.seq })
        : CHANGES_CURSOR.encode(query.since ?? { txid: '0', seq: '0' }),
      head,
    };
  }

  private page(
    tagId: string,
    filter: MembershipFilter,
    after: string | null,
    limit: number,
    asOf: Date | undefined,
  ): Promise<Member[]> {
    return asOf
      ? this.audiences.membersAsOfPage(tagId, asOf, after, limit, filter)
      : this.audiences.membersPage(tagId, after, limit, filter);
  }

  private async withColumns(
    members: Member[],
    columns: ResolvedColumns,
    asOf: Date | undefined,
  ): Promise<MemberItem[]> {
    const values = await this.audiences.columnValues(
      members.map((member) => member.customerId),
      columns.tagIds,
      columns.profilePaths,
      asOf,
    );
    return members.map((member) => ({
      ...member,
      columns: columns.row(values.get(member.customerId)!),
    }));
  }

  private async summaryOf(
    { row, filter, echo }: Resolved,
    asOf: Date | undefined,
    head: string,
    withRule: boolean,
  ): Promise<AudienceSummary> {
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    // Independent reads, side by side.
    const [size, lastChangedAt] = await Promise.all([
      asOf ? this.audiences.sizeAsOf(row.tagId, asOf, filter) : this.audiences.size(row.tagId, filter),
      this.audiences.lastChangedAt(row.tagId, asOf),
    ]);
    return {
      id: row.tagId,
      kind: row.kind,
      purpose: row.purpose,
      name: text(row.meta.name),
      nameZh: text(row.meta.nameZh),
      description: text(row.meta.description),
      // The version that was active at `asOf`, with its rule.
      version: row.version,
      ...echo,
      size,
      ...(asOf ? { asOf: asOf.toISOString() } : {}),
      lastChangedAt,
      head,
      ...(withRule ? { rule: row.rule } : {}),
    };
  }

  // An audience named by id alone (a segment, or a tag with its value or bounds): its definition
  // (active now, or at `asOf`) and the filter membership means, validated as on the audience routes.
  async membership(
    ref: Omit<AudienceRef, 'kind'>,
    asOf?: Date,
  ): Promise<{ definition: TagDefinitionEntity; filter: MembershipFilter }> {
    const row = asOf
      ? ((await this.definitions.activeAt(asOf, ref.id))[0] ?? null)
      : await this.definitions.findActiveVersion(ref.id);
    const { row: definition, filter } = await this.resolve(
      { ...ref, kind: row?.kind === 'segment' ? 'segment' : 'tag' },
      asOf,
    );
    return { definition, filter };
  }

  // The definition (active now, or at `asOf`) and what membership means for it.
  private async resolve(ref: AudienceRef, asOf?: Date): Promise<Resolved> {
    const row = asOf
      ? ((await this.definitions.activeAt(asOf, ref.id))[0] ?? null)
      : await this.definitions.findActiveVersion(ref.id);
    const when = asOf ? ` at ${asOf.toISOString()}` : '';
    if (ref.kind === 'segment') {
      if (!row || row.kind !== 'segment')
        throw new TagforgeException(ErrorCode.NotFound, `no active segment ${ref.id}${when}`);
      refuseFilters(ref, 'a segment', ['value', 'min', 'max']);
      return { row, filter: IS_SET, echo: {} };
    }
    if (!row || row.kind === 'segment') {
      throw new TagforgeException(
        ErrorCode.NotFound,
        row ? `${ref.id} is a segment: see /v1/segments/${ref.id}` : `no active tag ${ref.id}${when}`,
      );
    }
    switch (row.kind) {
      case 'boolean':
        refuseFilters(ref, 'a boolean tag', ['value', 'min', 'max']);
        return { row, filter: IS_SET, echo: {} };
      case 'category': {
        refuseFilters(ref, 'a category tag', ['min', 'max']);
        if (ref.value === undefined) {
          throw new TagforgeException(
            ErrorCode.BadRequest,
            `${ref.id} is a category tag: choose its value with ?value=`,
          );
        }
        // The values the rule can give, when they are literals: a value it never gives is a typo.
        const values = ruleOutcomes(row.rule)?.filter((value): value is string => typeof value === 'string');
        if (values && !values.includes(ref.value)) {
          throw new TagforgeException(
            ErrorCode.BadRequest,
            `${ref.id} takes the values ${values.join(', ')}; ${JSON.stringify(ref.value.slice(0, 64))} is not one of them`,
          );
        }
        return { row, filter: { kind: 'value', value: ref.value }, echo: { value: ref.value } };
      }
      case 'number': {
        refuseFilters(ref, 'a number tag', ['value']);
        if (ref.min === undefined && ref.max === undefined) {
          throw new TagforgeException(
            ErrorCode.BadRequest,
            `${ref.id} is a number tag: bound it with ?min= and/or ?max=`,
          );
        }
        if (ref.min !== undefined && ref.max !== undefined && ref.min > ref.max) {
          throw new TagforgeException(ErrorCode.BadRequest, 'min must not be greater than max');
        }
        return {
          row,
          filter: { kind: 'range', min: ref.min ?? null, max: ref.max ?? null },
          echo: {
            ...(ref.min !== undefined ? { min: ref.min } : {}),
            ...(ref.max !== undefined ? { max: ref.max } : {}),
          },
        };
      }
      default:
        throw new TagforgeException(ErrorCode.NotFound, `no active tag ${ref.id}${when}`);
    }
  }
}

function refuseFilters(ref: AudienceRef, what: string, names: readonly ('value' | 'min' | 'max')[]): void {
  const given = names.filter((name) => ref[name] !== undefined);
  if (given.length > 0) {
    throw new TagforgeException(
      ErrorCode.BadRequest,
      `${ref.id} is ${what}: ${given.join(' and ')} do not apply`,
    );
  }
}
