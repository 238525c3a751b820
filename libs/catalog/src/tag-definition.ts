import type { TagKind } from '@tagforge/evaluation';
import type { Scorecard } from '@tagforge/rules';

export const TAG_KINDS = ['boolean', 'category', 'number', 'segment'] as const satisfies readonly TagKind[];

export const TAG_PURPOSES = ['marketing', 'risk', 'service'] as const;
export type TagPurpose = (typeof TAG_PURPOSES)[number];

export const TAG_CATEGORIES = [
  'demographics',
  'relationship',
  'value',
  'product_holding',
  'loan_intent',
  'loan_need',
  'credit_risk',
  'early_warning',
  'repayment',
  'marketing_channel',
  'eligibility',
  'segment',
] as const;
export type TagCategory = (typeof TAG_CATEGORIES)[number];

// Examples without `now` are evaluated at this instant, so they never depend on the clock.
export const DEFAULT_EXAMPLE_NOW = '2026-01-01T00:00:00Z';

export type ExampleValue = boolean | string | number | null;

export interface TagExample {
  name: string;
  profile: Record<string, unknown>;
  now?: string;
  // Fixed values for dependencies, used instead of computing them from the profile.
  tags?: Record<string, ExampleValue>;
  // false for an unset boolean or segment, null for a category or number without a value.
  expect: ExampleValue;
}

// A definition that passed the file-format check (definition.schema.json).
export interface TagDefinition {
  id: string;
  name: string;
  nameZh?: string;
  kind: TagKind;
  purpose: TagPurpose;
  category: TagCategory;
  description?: string;
  owner?: string;
  // The JSON Logic the engine evaluates: the file's rule, or the compiled form of its scorecard.
  rule: unknown;
  scorecard?: Scorecard;
  // Written by tagctl train (metrics, IV table, training distributions); never evaluated.
  model?: Record<string, unknown>;
  examples?: TagExample[];
}

// One definition file as read from disk (or received by the API), before any validation.
export interface TagDefinitionFile {
  file: string;
  // Parsed JSON; undefined when the text is not JSON (then parseError says why).
  content: unknown;
  parseError?: string;
}

export interface CatalogProblem {
  file: string;
  id?: string;
  // RFC 6901 pointer into the definition file; '' is the whole file.
  pointer: string;
  code: string;
  message: string;
}

export interface CatalogValidation {
  errors: CatalogProblem[];
  warnings: CatalogProblem[];
}
