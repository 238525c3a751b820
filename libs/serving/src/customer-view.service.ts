import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, assertCustomerId } from '@tagforge/common';
import { normaliseTagValue, type TagKind } from '@tagforge/evaluation';
import {
  AudienceRepository,
  CustomerTagRepository,
  ProfileRepository,
  TagDefinitionRepository,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import {
  explain,
  isBureauPath,
  hideCharacteristics,
  type NarrativeLanguage,
  type Scorecard,
  scoreScorecard,
  type VisibleScorecard,
  type TraceNode,
} from '@tagforge/rules';
import { CustomerHistoryRepository } from './customer-history.repository';
import { explanationText } from './explanation-text';
import { ServedProfileSchema } from './served-profile-schema';
import { HISTORY_CURSOR, type HistoryPosition } from './cursors';

export const MAX_LOOKUP_CUSTOMERS = 1000;
const MAX_EXPLAIN_DEPTH = 4;

export type TagExplanation = {
  tagId: string;
  kind: string;
  purpose: string;
  definitionVersion: number;
  value: unknown;
} & (
  | {
      evaluatedValue: unknown;
      agrees: boolean;
      reads: Record<string, unknown>;
      account: string;
      trace: TraceNode;
      // A scorecard's points per characteristic and its top reason codes (texts in en and zh).
      scorecard?: VisibleScorecard;
      components?: TagExplanation[];
    }
  | { redacted: string }
);

// What a CRM screen shows about one customer: tags now or at an instant, segments, history, and
// why a tag holds.
@Injectable()
export class CustomerViewService {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly tags: CustomerTagRepository,
    private readonly audiences: AudienceRepository,
    private readonly customerHistory: CustomerHistoryRepository,
    private readonly definitions: TagDefinitionRepository,
    private readonly schema: ServedProfileSchema,
  ) {}

  async tagsAsOf(customerId: string, asOf: Date) {
    await this.requireCustomer(customerId);
    return {
      customerId,
      asOf: asOf.toISOString(),
      tags: await this.customerHistory.tagsAsOf(customerId, asOf),
    };
  }

  async segments(customerId: string) {
    await this.requireCustomer(customerId);
    const segments = new Set(
      (await this.definitions.findActive()).filter((row) => row.kind === 'segment').map((row) => row.tagId),
    );
    const current = await this.tags.current(customerId);
    return {
      customerId,
      segments: current
        .filter((tag) => segments.has(tag.tagId))
        .map((tag) => ({ segmentId: tag.tagId, since: tag.since, segmentVersion: tag.tagVersion })),
    };
  }

  async history(
    customerId: string,
    query: { tagId?: string; from?: Date; to?: Date; before?: HistoryPosition; limit: number },
  ) {
    await this.requireCustomer(customerId);
    // A tag that never existed is a typo, not a tag without changes.
    if (query.tagId !== undefined && (await this.definitions.findVersions(query.tagId)).length === 0) {
      throw new TagforgeException(ErrorCode.NotFound, `no tag ${query.tagId}`);
    }
    const items = await this.customerHistory.history(
      customerId,
      { tagId: query.tagId, from: query.from, to: query.to, before: query.before },
      query.limit,
    );
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: items.length === query.limit ? HISTORY_CURSOR.encode({ at: last.at, seq: last.seq }) : null,
    };
  }

  // Current tags of many customers; an unknown customer is listed apart, an unknown tag id is refused
  // (a typo in do_not_market must not read as "not suppressed").
  async lookup(request: { customerIds: readonly string[]; tagIds?: readonly string[] }) {
    const customerIds = [...new Set(request.customerIds)];
    const tagIds = request.tagIds === undefined ? null : [...new Set(request.tagIds)];
    if (tagIds !== null) {
      const active = new Set((await this.definitions.findActive()).map((row) => row.tagId));
      const unknownTagIds = tagIds.filter((id) => !active.has(id));
      if (unknownTagIds.length > 0) {
        throw new TagforgeException(
          ErrorCode.ValidationFailed,
          `no active tag ${unknownTagIds.join(', ')}`,
          unknownTagIds.map((tagId) => ({
            pointer: `/tagIds/${request.tagIds!.indexOf(tagId)}`,
            tagId,
            message: 'no active tag with this id',
          })),
        );
      }
    }
    const known = await this.audiences.existingCustomers(customerIds);
    const rows = await this.audiences.currentForCustomers([...known], tagIds);
    const byCustomer = new Map<
      string,
      { tagId: string; value: unknown; since: Date; tagVersion: number }[]
    >();
    for (const id of known) byCustomer.set(id, []);
    for (const row of rows) {
      byCustomer
        .get(row.customerId)!
        .push({ tagId: row.tagId, value: row.value, since: row.since, tagVersion: row.tagVersion });
    }
    return {
      customers: customerIds
        .filter((id) => known.has(id))
        .map((id) => ({ customerId: id, tags: byCustomer.get(id)! })),
      unknown: customerIds.filter((id) => !known.has(id)),
    };
  }

  // Re-evaluates the active rule on the stored profile with a trace, next to the stored value; a
  // segment walks into the tags it is made of.
  // A key without bureau:read sees no credit-bureau value: not what a rule read from `bureau.*`, nor
  // any intermediate result computed from such values alone.
  async explain(
    customerId: string,
    tagId: string,
    viewer: { bureau: boolean } = { bureau: false },
    // The active definitions, when the caller explains many changes against one catalog read.
    activeDefinitions?: readonly TagDefinitionEntity[],
  ): Promise<{ customerId: string; profileVersion: number } & TagExplanation> {
    const profile = await this.requireCustomer(customerId);
    const active = new Map(
      (activeDefinitions ?? (await this.definitions.findActive())).map((row) => [row.tagId, row]),
    );
    if (!active.has(tagId)) throw new TagforgeException(ErrorCode.NotFound, `no active tag ${tagId}`);
    const current = new Map((await this.tags.current(customerId)).map((tag) => [tag.tagId, tag.value]));
    const now = Date.now();
    // Bureau data may feed risk decisions only: a marketing explanation names the risk tags it
    // relies on and their values, never the credit-bureau values behind them.
    const hideBureau = active.get(tagId)!.purpose === 'marketing';
    const walk = (definition: TagDefinitionEntity, depth: number): TagExplanation => {
      if (
        hideBureau &&
        definition.dependsOnPaths.some((path) => path === 'bureau' || path.startsWith('bureau.'))
      ) {
        return {
          tagId: definition.tagId,
          kind: definition.kind,
          purpose: definition.purpose,
          definitionVersion: definition.version,
          value: current.get(definition.tagId) ?? null,
          redacted: 'reads credit-bureau data, which a marketing explanation does not show',
        };
      }
      const tagsRead: Record<string, unknown> = {};
      for (const dependency of definition.dependsOnTags) {
        const kind = active.get(dependency)?.kind;
        tagsRead[dependency] =
          current.get(dependency) ?? (kind === 'boolean' || kind === 'segment' ? false : null);
      }
      const context = { ...profile.profile, tags: tagsRead };
      const result = explain(definition.rule, context, now, {
        hiddenPaths: viewer.bureau ? undefined : isBureauPath,
      });
      const scorecard = definition.meta.scorecard as Scorecard | undefined;
      const normalised = normaliseTagValue(definition.kind as TagKind, result.value);
      const evaluatedValue = normalised.ok ? (normalised.value ?? null) : null;
      const value = current.get(definition.tagId) ?? null;
      return {
        tagId: definition.tagId,
        kind: definition.kind,
        purpose: definition.purpose,
        definitionVersion: definition.version,
        value,
        evaluatedValue,
        agrees: JSON.stringify(value) === JSON.stringify(evaluatedValue),
        reads: result.reads,
        account: result.account,
        trace: result.trace,
        ...(scorecard !== undefined
          ? {
              scorecard: viewer.bureau
                ? scoreScorecard(scorecard, context)
                : hideCharacteristics(scoreScorecard(scorecard, context), isBureauPath),
            }
          : {}),
        ...(definition.dependsOnTags.length > 0 && depth < MAX_EXPLAIN_DEPTH
          ? {
              components: definition.dependsOnTags
                .map((dependency) => active.get(dependency))
                .filter((row): row is TagDefinitionEntity => row !== undefined)
                .map((row) => walk(row, depth + 1)),
            }
          : {}),
      };
    };
    return { customerId, profileVersion: profile.version, ...walk(active.get(tagId)!, 0) };
  }

  // The same explanation in words for people (a call-centre agent reads it aloud), in English or
  // Chinese, built on the structured one as this reader gets it: credit-bureau values (and what is
  // computed from them alone) are withheld unless the reader may see them, and always in a marketing
  // tag's explanation; a scorecard states its top reasons in the definition's words.
  async explainText(
    customerId: string,
    tagId: string,
    lang: NarrativeLanguage,
    canReadBureau: boolean,
    activeDefinitions?: readonly TagDefinitionEntity[],
  ): Promise<{ text: string; fallbacks: number }> {
    const catalog = activeDefinitions ?? (await this.definitions.findActive());
    const explanation = await this.explain(customerId, tagId, { bureau: canReadBureau }, catalog);
    const active = new Map(catalog.map((row) => [row.tagId, row]));
    const marketing = active.get(tagId)?.purpose === 'marketing';
    return explanationText(explanation, {
      lang,
      definition: (id) => {
        const row = active.get(id);
        return row && { name: row.meta.name, nameZh: row.meta.nameZh, kind: row.kind, rule: row.rule };
      },
      fieldTitle: (path) => this.schema.title(path),
      withheld: (path) => path[0] === 'bureau' && (marketing || !canReadBureau),
    });
  }

  private async requireCustomer(customerId: string) {
    assertCustomerId(customerId);
    const profile = await this.profiles.find(customerId);
    if (!profile) throw new TagforgeException(ErrorCode.NotFound, `customer ${customerId} has no profile`);
    return profile;
  }
}
