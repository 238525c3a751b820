// Resolves dotted data paths against a JSON Schema (the profile schema), as far as rules need:
// properties, patternProperties, additionalProperties, items / prefixItems, $ref to local
// definitions, allOf / anyOf / oneOf.

type Schema = Record<string, unknown>;

/** The schemas a path may be described by, or 'any' when the schema puts no constraint below it. */
export type SchemaSet = readonly Schema[] | 'any';

const NUMERIC = /^\d+$/;
const STRUCTURAL_KEYWORDS = [
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'prefixItems',
];
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'];

function isSchemaObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typesOf(schema: Schema): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((item): item is string => typeof item === 'string') : undefined;
}

function has(schema: Schema, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(schema, key);
}

export class ProfileSchema {
  constructor(private readonly root: unknown) {}

  rootSet(): SchemaSet {
    return this.expand(this.root, new Set());
  }

  private resolveReference(reference: string): unknown {
    if (!reference.startsWith('#')) return true;
    let target: unknown = this.root;
    for (const raw of reference.slice(1).split('/').slice(1)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isSchemaObject(target) || !has(target, key)) return true;
      target = target[key];
    }
    return target;
  }

  private expand(schema: unknown, seen: Set<string>): SchemaSet {
    if (schema === false) return [];
    if (!isSchemaObject(schema)) return 'any';
    const found: Schema[] = [];
    const reference = schema.$ref;
    if (typeof reference === 'string') {
      if (seen.has(reference)) return [];
      const expanded = this.expand(this.resolveReference(reference), new Set(seen).add(reference));
      if (expanded === 'any') return 'any';
      found.push(...expanded);
    }
    let combined = false;
    for (const keyword of COMBINATORS) {
      const members = schema[keyword];
      if (!Array.isArray(members)) continue;
      combined = true;
      for (const member of members) {
        const expanded = this.expand(member, seen);
        if (expanded === 'any') {
          // A member without constraints below (e.g. {"required": [...]}) adds nothing for allOf.
          if (keyword !== 'allOf') return 'any';
          continue;
        }
        found.push(...expanded);
      }
    }
    const structural = STRUCTURAL_KEYWORDS.some((keyword) => has(schema, keyword));
    const types = typesOf(schema);
    if (structural || (types !== undefined && !types.includes('object') && !types.includes('array'))) {
      found.push(schema);
    } else if (typeof reference !== 'string' && !combined) {
      return 'any';
    }
    return found;
  }

  /** The schemas for `segment` below any of `set`, or undefined when no schema allows it. */
  child(set: SchemaSet, segment: string): SchemaSet | undefined {
    if (set === 'any') return 'any';
    const found: Schema[] = [];
    for (const schema of set) {
      const expanded = this.childOf(schema, segment);
      if (expanded === 'any') return 'any';
      if (expanded) found.push(...expanded);
    }
    return found.length > 0 ? found : undefined;
  }

  private childOf(schema: Schema, segment: string): SchemaSet | undefined {
    const properties = schema.properties;
    if (isSchemaObject(properties) && has(properties, segment))
      return this.expand(properties[segment], new Set());
    const patterns = schema.patternProperties;
    if (isSchemaObject(patterns)) {
      for (const pattern of Object.keys(patterns)) {
        if (new RegExp(pattern, 'u').test(segment)) return this.expand(patterns[pattern], new Set());
      }
    }
    if (NUMERIC.test(segment)) {
      const index = Number(segment);
      const prefix = schema.prefixItems;
      if (Array.isArray(prefix) && index < prefix.length) return this.expand(prefix[index], new Set());
      const items = schema.items;
      if (Array.isArray(items)) {
        return index < items.length
          ? this.expand(items[index], new Set())
          : this.additional(schema.additionalItems);
      }
      if (items !== undefined) return this.expand(items, new Set());
    }
    return this.additional(schema.additionalProperties);
  }

  // Unlike JSON Schema's default, an object that lists its properties accepts no other path
  // unless additionalProperties says so: a misspelt field must be reported.
  private additional(schema: unknown): SchemaSet | undefined {
    if (schema === undefined || schema === false) return undefined;
    return this.expand(schema, new Set());
  }

  resolve(set: SchemaSet, path: readonly string[]): SchemaSet | undefined {
    let current: SchemaSet | undefined = set;
    for (const segment of path) {
      current = this.child(current, segment);
      if (current === undefined) return undefined;
    }
    return current;
  }

  /** True when every segment of the path is required by its parent and the value cannot be null. */
  isRequired(set: SchemaSet, path: readonly string[]): boolean {
    let current: SchemaSet | undefined = set;
    for (const segment of path) {
      if (current === undefined || current === 'any') return false;
      const required = current.some(
        (schema) => Array.isArray(schema.required) && schema.required.includes(segment),
      );
      if (!required) return false;
      current = this.child(current, segment);
    }
    if (current === undefined || current === 'any') return false;
    return current.every((schema) => !(typesOf(schema) ?? ['null']).includes('null'));
  }
}
