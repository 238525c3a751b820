import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { TagDefinition } from '@tagforge/catalog';
import { CatalogEvaluator, type TagKind } from '@tagforge/evaluation';
import { ProfileValidator } from '@tagforge/profile';
import { ruleDependencies, validateRule } from '@tagforge/rules';
import type { FeatureSpec, FeatureType, FeatureValue, TrainingRow } from '@tagforge/scorecard';

// What `tagctl train` and `tagctl score-report` read: profiles, labels, feature paths. Every problem is
// collected and reported before anything is computed or written.

export class ModelInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ModelInputError';
  }
}

export interface FileFingerprint {
  file: string;
  sha256: string;
  lines: number;
}

export interface NdjsonFile {
  fingerprint: FileFingerprint;
  lines: { line: number; value: unknown; error?: string }[];
}

const SHOWN = 5;

export function readNdjson(path: string): NdjsonFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelInputError([`cannot read ${path}: ${(error as Error).message}`]);
  }
  const lines: NdjsonFile['lines'] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      lines.push({ line: index + 1, value: JSON.parse(raw) as unknown });
    } catch (error) {
      lines.push({ line: index + 1, value: undefined, error: `not JSON: ${(error as Error).message}` });
    }
  });
  return {
    fingerprint: {
      file: basename(path),
      sha256: createHash('sha256').update(text).digest('hex'),
      lines: lines.length,
    },
    lines,
  };
}

export function parseProfiles(file: NdjsonFile, schema: unknown): Map<string, Record<string, unknown>> {
  const problems: string[] = [];
  const profiles = new Map<string, Record<string, unknown>>();
  const validator = ProfileValidator.for(schema as object);
  for (const { line, value, error } of file.lines) {
    const { customerId, profile } = (value ?? {}) as { customerId?: unknown; profile?: unknown };
    if (error !== undefined) problems.push(`profiles line ${line}: ${error}`);
    else if (typeof customerId !== 'string' || customerId === '')
      problems.push(`profiles line ${line}: customerId must be a non-empty string`);
    else if (typeof profile !== 'object' || profile === null || Array.isArray(profile))
      problems.push(`profiles line ${line}: profile must be an object`);
    else if (profiles.has(customerId))
      problems.push(`profiles line ${line}: customer ${customerId} appears twice`);
    else {
      const invalid = validator.validate(profile);
      if (invalid.length > 0)
        problems.push(`profiles line ${line}: ${invalid.map((p) => `${p.pointer} ${p.message}`).join('; ')}`);
      else profiles.set(customerId, profile as Record<string, unknown>);
    }
  }
  if (problems.length > 0) throw new ModelInputError(summarise('profile lines are invalid', problems));
  return profiles;
}

/** Labels are 0 or 1, one per customer, and every labelled customer has a profile. */
export function parseLabels(file: NdjsonFile, profiles: ReadonlyMap<string, unknown>): Map<string, number> {
  const labels = new Map<string, number>();
  const notBinary: string[] = [];
  const malformed: string[] = [];
  const unknown: string[] = [];
  for (const { line, value, error } of file.lines) {
    const { customerId, label } = (value ?? {}) as { customerId?: unknown; label?: unknown };
    if (error !== undefined || typeof customerId !== 'string' || customerId === '') {
      malformed.push(`labels line ${line}: ${error ?? 'expected {"customerId": "<id>", "label": 0 | 1}'}`);
    } else if (label !== 0 && label !== 1) {
      notBinary.push(`labels line ${line}: label ${JSON.stringify(label)} for ${customerId}`);
    } else if (labels.has(customerId)) {
      malformed.push(`labels line ${line}: customer ${customerId} is labelled twice`);
    } else {
      labels.set(customerId, label);
      if (!profiles.has(customerId)) unknown.push(customerId);
    }
  }
  const problems: string[] = [];
  if (malformed.length > 0) problems.push(...summarise('label lines are malformed', malformed));
  if (notBinary.length > 0) problems.push(...summarise('labels are not 0 or 1', notBinary));
  if (unknown.length > 0) {
    problems.push(
      `${unknown.length} labelled customers have no profile (${labels.size - unknown.length} do), e.g. ${unknown
        .slice(0, SHOWN)
        .join(', ')}`,
    );
  }
  if (problems.length > 0) throw new ModelInputError(problems);
  return labels;
}

function summarise(what: string, problems: string[]): string[] {
  return [
    `${problems.length} ${what}:`,
    ...problems.slice(0, SHOWN).map((problem) => `  ${problem}`),
    ...(problems.length > SHOWN ? [`  ... and ${problems.length - SHOWN} more`] : []),
  ];
}

// Fields marked "x-protected": true in the profile schema (sex, marital status, ...), as dotted paths.
export function protectedPaths(schema: unknown): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record['x-protected'] === true) paths.push(path.join('.'));
    const properties = record.properties;
    if (typeof properties === 'object' && properties !== null) {
      for (const [key, child] of Object.entries(properties)) walk(child, [...path, key]);
    }
  };
  walk(schema, []);
  return paths;
}

export interface CatalogContext {
  schema: unknown;
  definitions: readonly TagDefinition[];
}

/**
 * `--features a,b:categorical,tags.x`: each path must be known to the schema (or be a catalog tag) and not
 * protected unless allowed; its type comes from the schema (numbers are numeric, strings and booleans
 * categorical) unless the suffix says otherwise.
 */
export function resolveFeatures(
  list: string,
  context: CatalogContext,
  allowProtected: boolean,
  names: Readonly<Record<string, { name?: string }>>,
): { features: FeatureSpec[]; protectedUsed: string[] } {
  const problems: string[] = [];
  const features: FeatureSpec[] = [];
  const protectedUsed: string[] = [];
  const kinds = new Map(context.definitions.map((definition) => [definition.id, definition.kind]));
  const guarded = protectedPaths(context.schema);
  for (const entry of list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')) {
    const [path, suffix, ...rest] = entry.split(':');
    if (rest.length > 0 || (suffix !== undefined && suffix !== 'numeric' && suffix !== 'categorical')) {
      problems.push(`feature "${entry}": the type suffix is :numeric or :categorical`);
      continue;
    }
    const { errors } = validateRule(
      { var: path },
      { profileSchema: context.schema, knownTags: new Set(kinds.keys()) },
    );
    if (errors.length > 0) {
      problems.push(`feature "${path}": ${errors.map((error) => error.message).join('; ')}`);
      continue;
    }
    if (guarded.some((field) => path === field || path.startsWith(`${field}.`))) {
      if (!allowProtected) {
        problems.push(
          `feature "${path}" is a protected attribute (x-protected in profile.schema.json); a credit score must not use it — pass --allow-protected to override, which the model block records`,
        );
        continue;
      }
      protectedUsed.push(path);
    }
    const type = (suffix as FeatureType | undefined) ?? typeOf(path, context.schema, kinds);
    features.push({ var: path, type, name: names[path]?.name ?? path });
  }
  if (problems.length > 0) throw new ModelInputError(problems);
  return { features, protectedUsed };
}

function typeOf(path: string, schema: unknown, kinds: ReadonlyMap<string, TagKind>): FeatureType {
  if (path.startsWith('tags.'))
    return kinds.get(path.slice('tags.'.length)) === 'number' ? 'numeric' : 'categorical';
  let node = schema as Record<string, unknown> | undefined;
  const root = schema as { $defs?: Record<string, unknown> };
  for (const segment of path.split('.')) {
    node = resolveRef(node, root);
    const properties = node?.properties as Record<string, unknown> | undefined;
    if (properties !== undefined && segment in properties)
      node = properties[segment] as Record<string, unknown>;
    else if (/^\d+$/.test(segment) && node?.items !== undefined) node = node.items as Record<string, unknown>;
    else return 'numeric';
  }
  node = resolveRef(node, root);
  return node?.type === 'number' || node?.type === 'integer' ? 'numeric' : 'categorical';
}

function resolveRef(
  node: Record<string, unknown> | undefined,
  root: { $defs?: Record<string, unknown> },
): Record<string, unknown> | undefined {
  let current = node;
  while (typeof current?.$ref === 'string' && current.$ref.startsWith('#/$defs/')) {
    current = root.$defs?.[current.$ref.slice('#/$defs/'.length)] as Record<string, unknown> | undefined;
  }
  return current;
}

/**
 * The documents scorecards read for each customer: the profile with the `tags` the features (or the
 * definition) read, evaluated by the catalog at `now` — the same context the engine gives a rule.
 */
export function scoringContexts(
  profiles: ReadonlyMap<string, Record<string, unknown>>,
  ids: readonly string[],
  catalog: readonly TagDefinition[],
  now: number,
  reads: readonly string[],
): Map<string, Record<string, unknown>> {
  const definitions = tagsRead(catalog, reads);
  const evaluator = new CatalogEvaluator(definitions.map(({ id, kind, rule }) => ({ id, kind, rule })));
  const unset = (kind: TagKind) => (kind === 'boolean' || kind === 'segment' ? false : null);
  const contexts = new Map<string, Record<string, unknown>>();
  for (const id of ids) {
    const profile = profiles.get(id)!;
    const { values } = evaluator.evaluateCustomer(profile, now);
    const tags: Record<string, unknown> = {};
    for (const definition of definitions)
      tags[definition.id] = values[definition.id] ?? unset(definition.kind);
    contexts.set(id, { ...profile, tags });
  }
  return contexts;
}

/** The catalog's definitions that the given tag ids need, transitively (in catalog order). */
export function tagsRead(catalog: readonly TagDefinition[], roots: readonly string[]): TagDefinition[] {
  const byId = new Map(catalog.map((definition) => [definition.id, definition]));
  const needed = new Set<string>();
  const visit = (id: string) => {
    const definition = byId.get(id);
    if (definition === undefined || needed.has(id)) return;
    needed.add(id);
    for (const dependency of ruleDependencies(definition.rule).tags) visit(dependency);
  };
  roots.forEach(visit);
  return catalog.filter((definition) => needed.has(definition.id));
}

export function readPath(data: unknown, path: string): unknown {
  let current = data;
  for (const segment of path.split('.')) {
    if (current === null || current === undefined) return null;
    current = (current as Record<string, unknown>)[segment];
    if (current === undefined) return null;
  }
  return current;
}

export function featureRows(
  features: readonly FeatureSpec[],
  labels: ReadonlyMap<string, number>,
  contexts: ReadonlyMap<string, Record<string, unknown>>,
): TrainingRow[] {
  return [...labels.entries()].map(([customerId, label]) => ({
    customerId,
    label,
    values: features.map((feature) => {
      const value = readPath(contexts.get(customerId), feature.var);
      return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'
        ? (value as FeatureValue)
        : null;
    }),
  }));
}
