import {
  CompiledRule,
  RuleDependencies,
  RuleProblem,
  RuleValidationError,
  compile,
  ruleDependencies,
  truthy,
} from '@tagforge/rules';
import { EvaluableDefinition, TagKind, TagValue, tagGraph, topologicalOrder } from './catalog-order';

export interface EvaluateOptions {
  // Evaluate just these tags (the caller has already added their dependents).
  only?: ReadonlySet<string>;
  // Previous values: kept for tags not evaluated and for tags whose rule threw.
  current?: Readonly<Record<string, TagValue>>;
}

export interface TagEvaluationError {
  tagId: string;
  message: string;
}

export interface CustomerEvaluation {
  // Set tags only: a false boolean or segment, or a category / number without a value, is absent.
  values: Record<string, TagValue>;
  errors: TagEvaluationError[];
}

export class CatalogDefinitionError extends Error {
  constructor(
    readonly tagId: string,
    message: string,
    readonly problems: RuleProblem[] = [],
  ) {
    super(`tag "${tagId}": ${message}`);
    this.name = 'CatalogDefinitionError';
  }
}

export type NormalisedValue = { ok: true; value: TagValue | undefined } | { ok: false; message: string };

function kindName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

/**
 * A rule result as a tag value: boolean and segment tags by JSON Logic truthiness ([] is false,
 * "0" is true), category tags a non-empty string, number tags a finite number. `value: undefined`
 * means no value (the tag is unset).
 */
export function normaliseTagValue(kind: TagKind, raw: unknown): NormalisedValue {
  switch (kind) {
    case 'boolean':
    case 'segment':
      return { ok: true, value: truthy(raw) ? true : undefined };
    case 'category':
      if (typeof raw === 'string') return { ok: true, value: raw === '' ? undefined : raw };
      if (raw === null || raw === undefined) return { ok: true, value: undefined };
      return { ok: false, message: `a category rule must give a string or null, got ${kindName(raw)}` };
    case 'number':
      // + 0 turns -0 into 0, so equal results always serialise the same.
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: raw + 0 };
      if (raw === null || raw === undefined) return { ok: true, value: undefined };
      return { ok: false, message: `a number rule must give a finite number or null, got ${kindName(raw)}` };
  }
}

const BOOLEAN = 0;
const CATEGORY = 1;
const NUMBER = 2;

function overlaps(a: string, b: string): boolean {
  return a === b || a === '' || b === '' || b.startsWith(`${a}.`) || a.startsWith(`${b}.`);
}

// A record for a varying set of keys, started in dictionary mode (V8 switches an object there
// when a property other than the last one is deleted): building a hidden class for every
// combination of tags set would otherwise dominate evaluateCustomer.
function dictionaryRecord<T>(): Record<string, T> {
  const record: Record<string, unknown> = { first: 0, second: 0 };
  delete record.first;
  delete record.second;
  return record as Record<string, T>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Evaluates a whole catalog for one customer at a time. Rules are compiled once; the loop over
 * tags runs in dependency order with flat arrays and one shared `tags` object.
 */
export class CatalogEvaluator {
  readonly order: readonly string[];
  // The same ids in ascending order: the order tagDigest reads a customer's values in.
  readonly sortedIds: readonly string[];
  private readonly kinds: Int8Array;
  private readonly rules: CompiledRule[];
  private readonly deps = new Map<string, RuleDependencies>();
  private readonly dependents = new Map<string, string[]>();
  // The `tags` object rules read; every entry is rewritten, in order, before it can be read.
  private readonly tags: Record<string, boolean | string | number | null>;

  constructor(defs: readonly EvaluableDefinition[]) {
    const byId = new Map<string, EvaluableDefinition>();
    for (const def of defs) {
      if (byId.has(def.id)) throw new CatalogDefinitionError(def.id, 'defined twice');
      byId.set(def.id, def);
    }
    for (const def of defs) {
      const deps = ruleDependencies(def.rule);
      this.deps.set(def.id, deps);
      for (const tag of deps.tags) {
        if (!byId.has(tag)) throw new CatalogDefinitionError(def.id, `reads unknown tag "${tag}"`);
        const list = this.dependents.get(tag) ?? [];
        if (!list.includes(def.id)) list.push(def.id);
        this.dependents.set(tag, list);
      }
    }
    this.order = topologicalOrder(defs, tagGraph(defs));
    this.sortedIds = [...this.order].sort();
    this.kinds = new Int8Array(this.order.length);
    this.rules = [];
    this.tags = {};
    this.order.forEach((id, i) => {
      const def = byId.get(id) as EvaluableDefinition;
      this.kinds[i] = def.kind === 'category' ? CATEGORY : def.kind === 'number' ? NUMBER : BOOLEAN;
      try {
        this.rules.push(compile(def.rule));
      } catch (error) {
        if (error instanceof RuleValidationError)
          throw new CatalogDefinitionError(id, error.message, error.problems);
        throw error;
      }
      this.tags[id] = null;
    });
  }

  evaluateCustomer(profile: unknown, now: number, options: EvaluateOptions = {}): CustomerEvaluation {
    const { only, current } = options;
    const tags = this.tags;
    const data =
      typeof profile === 'object' && profile !== null && !Array.isArray(profile)
        ? { ...profile, tags }
        : { tags };
    const values = dictionaryRecord<TagValue>();
    const errors: TagEvaluationError[] = [];
    const { order, kinds, rules } = this;
    for (let i = 0; i < order.length; i += 1) {
      const id = order[i];
      const kind = kinds[i];
      if (only !== undefined && !only.has(id)) {
        this.carry(id, kind, current, values);
        continue;
      }
      let raw: unknown;
      try {
        raw = rules[i](data, now);
      } catch (error) {
        errors.push({ tagId: id, message: messageOf(error) });
        this.carry(id, kind, current, values);
        continue;
      }
      if (kind === BOOLEAN) {
        if (truthy(raw)) {
          values[id] = true;
          tags[id] = true;
        } else {
          tags[id] = false;
        }
      } else if (
        kind === CATEGORY ? typeof raw === 'string' : typeof raw === 'number' && Number.isFinite(raw)
      ) {
        const value = kind === NUMBER ? (raw as number) + 0 : (raw as string);
        if (value === '') {
          tags[id] = null;
        } else {
          values[id] = value;
          tags[id] = value;
        }
      } else if (raw === null || raw === undefined) {
        tags[id] = null;
      } else {
        const result = normaliseTagValue(kind === CATEGORY ? 'category' : 'number', raw);
        errors.push({ tagId: id, message: result.ok ? 'unexpected value' : result.message });
        this.carry(id, kind, current, values);
      }
    }
    return { values, errors };
  }

  private carry(
    id: string,
    kind: number,
    current: Readonly<Record<string, TagValue>> | undefined,
    values: Record<string, TagValue>,
  ): void {
    const previous = current !== undefined && Object.hasOwn(current, id) ? current[id] : undefined;
    if (previous === undefined) {
      this.tags[id] = kind === BOOLEAN ? false : null;
      return;
    }
    values[id] = previous;
    this.tags[id] = kind === BOOLEAN ? previous === true : previous;
  }

  /** Tags whose paths overlap a changed dotted path (prefix either way), plus all their dependents. */
  affectedTags(changedPaths: readonly string[]): Set<string> {
    const direct: string[] = [];
    for (const id of this.order) {
      const paths = (this.deps.get(id) as RuleDependencies).paths;
      if (paths.some((path) => changedPaths.some((changed) => overlaps(path, changed)))) direct.push(id);
    }
    return this.withDependents(direct);
  }

  /** Tags that read `now` (directly, or through a tag they read): they change with time alone. */
  timeDependentTags(): Set<string> {
    return this.withDependents(this.order.filter((id) => (this.deps.get(id) as RuleDependencies).readsNow));
  }

  /** The tags that read `tagIds`, transitively, together with `tagIds` themselves. */
  withDependents(tagIds: Iterable<string>): Set<string> {
    const result = new Set<string>();
    const queue = [...tagIds];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      if (result.has(id)) continue;
      result.add(id);
      queue.push(...(this.dependents.get(id) ?? []));
    }
    return result;
  }

  /** `tagIds` and the tags their rules read: the current values evaluating `tagIds` needs. */
  withInputs(tagIds: Iterable<string>): Set<string> {
    const result = new Set<string>();
    for (const id of tagIds) {
      result.add(id);
      for (const input of this.deps.get(id)?.tags ?? []) result.add(input);
    }
    return result;
  }

  dependencies(tagId: string): RuleDependencies {
    const deps = this.deps.get(tagId);
    if (!deps) throw new Error(`unknown tag "${tagId}"`);
    return { paths: [...deps.paths], tags: [...deps.tags], readsNow: deps.readsNow };
  }
}
