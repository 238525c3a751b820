import type { components } from './openapi';

// The shapes the console reads are the API's own: every operation documents its answer with a
// schema, generated into openapi.d.ts at build, so a changed response breaks `npm run build`, not a
// page. These names only make the screens read like the domain.
type Schemas = components['schemas'];

export type TagKind = Schemas['DefinitionSummaryDto']['kind'];
export type Purpose = Schemas['DefinitionSummaryDto']['purpose'];
export type TagValue = Schemas['CurrentTagDto']['value'];

export type TagSummary = Schemas['DefinitionSummaryDto'];
export type TagExample = Schemas['TagExampleDto'];
export type TagDefinition = Schemas['TagDefinitionDto'];
export type TagVersionSummary = Schemas['DefinitionVersionDto'];
export type TagDetail = Schemas['DefinitionDetailDto'];
export type VersionDiff = Schemas['DefinitionDiffDto'];

export type AudienceSummary = Schemas['AudienceSummaryDto'];
export type MembersPage = Schemas['MembersPageDto'];

export type RunView = Schemas['RunViewDto'];
export type RunsPage = Schemas['RunsPageDto'];

export type CustomerTag = Schemas['CurrentTagDto'];
export type CustomerTags = Schemas['CustomerTagsDto'];
export type CustomerSegments = Schemas['CustomerSegmentsDto'];
export type ProfileView = Schemas['ProfileViewDto'];
export type HistoryEvent = Schemas['HistoryItemDto'];
export type HistoryPage = Schemas['HistoryPageDto'];
export type Explanation = Schemas['TagExplanationDto'];

export type SandboxTagStats = Schemas['SandboxTagStatsDto'];
export type SandboxRun = Schemas['SandboxRunDto'];
export type SandboxCustomer = Schemas['SandboxCustomerDto'];
export type SandboxPopulation = NonNullable<Schemas['SandboxRequestDto']['population']>;

export type AuditEntry = Schemas['AuditEntryDto'];
export type AuditPage = Schemas['AuditPageDto'];

export type SizeSeries = Schemas['SizesDto'];
export type SizePoint = Schemas['SizePointDto'];
export type Overlap = Schemas['OverlapDto'];
export type AdHocCount = Schemas['CountDto'];
export type Breakdown = Schemas['BreakdownDto'];
export type BreakdownRow = Schemas['BreakdownRowDto'];
export type Distribution = Schemas['DistributionDto'];

export type Campaign = Schemas['CampaignDto'];
export type CampaignList = Schemas['CampaignListDto'];
export type NewCampaign = Schemas['CreateCampaignDto'];
export type Channel = NewCampaign['channel'];
export type CampaignReport = Schemas['CampaignReportDto'];
export type ReportSlice = Schemas['ReportSliceDto'];
export type OutcomeBatchReport = Schemas['OutcomeBatchReportDto'];
export type OutcomeLineResult = Schemas['OutcomeLineResultDto'];

// Two fields the API documents as open objects: read through these narrowings.
export interface RuleErrorCount {
  count: number;
  example?: string;
}
export function ruleErrorsOf(run: { ruleErrors: Record<string, unknown> }): Record<string, RuleErrorCount> {
  const out: Record<string, RuleErrorCount> = {};
  for (const [tagId, entry] of Object.entries(run.ruleErrors)) {
    const { count, example } = (entry ?? {}) as { count?: unknown; example?: unknown };
    if (typeof count === 'number')
      out[tagId] = { count, ...(typeof example === 'string' ? { example } : {}) };
  }
  return out;
}
export function errorCountOf(stats: SandboxTagStats): RuleErrorCount | undefined {
  const { count, example } = (stats.errors ?? {}) as { count?: unknown; example?: unknown };
  return typeof count === 'number'
    ? { count, ...(typeof example === 'string' ? { example } : {}) }
    : undefined;
}
export function scopeTagsOf(run: RunView): string[] {
  const tags = (run.scope as { tags?: unknown }).tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
}
export function scopeDefinitionsOf(run: RunView): { id: string; rule?: unknown }[] {
  const definitions = (run.scope as { definitions?: unknown }).definitions;
  return Array.isArray(definitions)
    ? definitions.filter(
        (definition): definition is { id: string; rule?: unknown } =>
          typeof (definition as { id?: unknown } | null)?.id === 'string',
      )
    : [];
}
// The tags a run evaluates, or (a retirement) the tags it retires.
export function runTagsOf(run: RunView): string[] {
  const tags = scopeTagsOf(run);
  if (tags.length > 0) return tags;
  const retire = (run.scope as { retire?: unknown }).retire;
  return Array.isArray(retire) ? retire.filter((tag): tag is string => typeof tag === 'string') : [];
}
