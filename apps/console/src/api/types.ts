// The shapes the console reads. Most operations document their answers by example only until the
// OpenAPI schemas are complete (issue 15); these types say what the console relies on, and the
// paths themselves are checked against the generated client.
export type TagKind = 'boolean' | 'category' | 'number' | 'segment';
export type Purpose = 'marketing' | 'risk' | 'service';
export type TagValue = boolean | string | number | null;

export interface TagSummary {
  id: string;
  version: number;
  kind: TagKind;
  purpose: Purpose;
  category: string;
  name: string;
  nameZh?: string;
  owner?: string;
  description?: string;
  dependsOnTags?: string[];
  activatedAt: string | null;
}

export interface TagExample {
  name: string;
  profile: Record<string, unknown>;
  now?: string;
  tags?: Record<string, TagValue>;
  expect: TagValue;
}

export interface TagDefinition {
  id: string;
  name: string;
  nameZh?: string;
  kind: TagKind;
  purpose: Purpose;
  category: string;
  description?: string;
  owner?: string;
  rule: unknown;
  examples?: TagExample[];
}

export interface TagVersionSummary {
  version: number;
  status: 'draft' | 'active' | 'superseded' | 'retired';
  checksum: string;
  createdBy: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
}

export interface TagDetail {
  id: string;
  active: (TagDefinition & { version: number; activatedAt: string | null }) | null;
  versions: TagVersionSummary[];
  customers: number;
  errorCount: number;
  lastRunId: string | null;
}

export interface VersionDiff {
  tagId: string;
  version: number;
  status: TagVersionSummary['status'];
  createdBy: string;
  approvedBy: string | null;
  against: { version: number; status: string } | null;
  before: { kind: string; purpose: string; rule: unknown; meta: Record<string, unknown> } | null;
  after: { kind: string; purpose: string; rule: unknown; meta: Record<string, unknown> };
  changes: { op: string; path: string; value?: unknown }[];
}

export interface AudienceSummary {
  id: string;
  kind: TagKind;
  purpose: Purpose;
  name: string;
  description?: string;
  version: number;
  size: number;
  lastChangedAt: string | null;
  asOf?: string;
}

export interface MembersPage {
  items: { customerId: string; since: string }[];
  nextCursor: string | null;
  asOf?: string;
}

export interface RunView {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | string;
  scope: { tags?: string[]; definitions?: TagDefinition[]; retire?: string[]; population?: unknown };
  progress: { total: number; done: number; percent: number };
  changed: number;
  failed: number;
  ruleErrors: Record<string, { count: number; example?: string }>;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CustomerTag {
  tagId: string;
  value: TagValue;
  since: string;
  tagVersion: number;
}

export interface CustomerTags {
  customerId: string;
  profileVersion?: number;
  evaluatedVersion?: number;
  asOf?: string;
  tags: CustomerTag[];
}

export interface CustomerSegments {
  customerId: string;
  segments: { segmentId: string; since: string; segmentVersion: number }[];
}

export interface ProfileView {
  customerId: string;
  version: number;
  evaluatedVersion: number;
  updatedAt: string;
  sectionAsOf: Record<string, string>;
  profile: Record<string, unknown>;
}

export interface HistoryEvent {
  seq: string;
  tagId: string;
  oldValue: TagValue;
  newValue: TagValue;
  tagVersion: number;
  profileVersion: number | null;
  cause: string;
  runId: string | null;
  at: string;
}

export type Explanation = {
  tagId: string;
  kind: TagKind;
  purpose: Purpose;
  definitionVersion: number;
  value: TagValue;
} & (
  | {
      evaluatedValue: TagValue;
      agrees: boolean;
      reads: Record<string, unknown>;
      account: string;
      components?: Explanation[];
      redacted?: undefined;
    }
  | { redacted: string; account?: undefined; components?: undefined }
);

export interface SandboxTagStats {
  tagId: string;
  kind?: TagKind;
  set: number;
  setBefore: number;
  entered: number;
  left: number;
  changed: number;
  values?: Record<string, number>;
  errors?: { count: number; example: string };
}

export interface SandboxRun {
  id: string;
  status: RunView['status'];
  progress: RunView['progress'];
  population: unknown;
  now: string;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
  tags: SandboxTagStats[];
  segments: { segmentId: string; sizeNow: number; sizeWithDraft: number; entered: number; left: number }[];
  otherDependents: SandboxTagStats[];
}

export interface SandboxCustomer {
  customerId: string;
  tagId: string;
  change: 'entered' | 'left' | 'changed';
  before: TagValue;
  after: TagValue;
  account: string;
  reads: Record<string, unknown>;
}

export interface AuditEntry {
  id: string;
  actor: { keyId: string | null; name: string };
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: string;
}

export type SandboxPopulation = 'all' | { sample: number; seed: number } | { customerIds: string[] };
