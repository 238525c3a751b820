import {
  FORBIDDEN_PATH_SEGMENTS,
  SCOPED_OPERATORS,
  TIME_OPERATOR_SET,
  argumentsOf,
  operatorOf,
} from './operators';
import { RULE_LIMITS } from './rule-validator';

export interface RuleDependencies {
  // Profile paths read, dotted as written; reads inside some/all/none/map/filter/reduce count as
  // reads of the array iterated. '' means the whole profile (a dynamic or whole-document read).
  paths: string[];
  // Tag ids read as {"var": "tags.<id>"}.
  tags: string[];
  // Uses days_since / months_since / years_since, so the result changes with `now`.
  readsNow: boolean;
}

class Collector {
  readonly paths = new Set<string>();
  readonly tags = new Set<string>();
  readsNow = false;

  // `scope` holds the paths of the array being iterated, or undefined at the top level.
  visit(node: unknown, scope: ReadonlySet<string> | undefined, depth: number): void {
    // Past the validator's depth limit nothing is a valid rule; stop instead of recursing on.
    if (depth > RULE_LIMITS.depth + 1) return;
    if (Array.isArray(node)) {
      for (const item of node as unknown[]) this.visit(item, scope, depth + 1);
      return;
    }
    const op = operatorOf(node);
    if (op === undefined) return;
    const args = argumentsOf(node as object, op);
    if (TIME_OPERATOR_SET.has(op)) this.readsNow = true;
    switch (op) {
      case 'var':
        this.read(args[0], scope);
        break;
      case 'missing': {
        const keys = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
        for (const key of keys) this.read(key, scope);
        break;
      }
      case 'missing_some': {
        const keys = args[1];
        if (Array.isArray(keys)) for (const key of keys) this.read(key, scope);
        else this.read(keys, scope);
        break;
      }
      default:
        break;
    }
    if (SCOPED_OPERATORS.has(op)) {
      const source = new Collector();
      source.visit(args[0], scope, depth + 1);
      this.merge(source);
      // Inside, the data is an array element: every read there depends on the array itself.
      const inner = new Collector();
      inner.visit(args[1], source.paths, depth + 1);
      this.readsNow ||= inner.readsNow;
      for (const path of inner.paths) this.paths.add(path);
      for (let i = 2; i < args.length; i += 1) this.visit(args[i], scope, depth + 1);
      return;
    }
    for (const arg of args) this.visit(arg, scope, depth + 1);
  }

  private merge(other: Collector): void {
    for (const path of other.paths) this.paths.add(path);
    for (const tag of other.tags) this.tags.add(tag);
    this.readsNow ||= other.readsNow;
  }

  private read(path: unknown, scope: ReadonlySet<string> | undefined): void {
    if (scope) {
      for (const item of scope) this.paths.add(item);
      return;
    }
    if (typeof path === 'object' && path !== null) {
      // A computed path (only in unrestricted rules) could read anything; logic inside is visited too.
      this.paths.add('');
      this.visit(path, undefined, 1);
      return;
    }
    const text = path === undefined || path === null ? '' : String(path);
    if (text.split('.').some((segment) => FORBIDDEN_PATH_SEGMENTS.has(segment))) return;
    if (text === 'tags' || text.startsWith('tags.')) {
      // {"var": "tags"} (all tags) is refused by validation.
      if (text !== 'tags') this.tags.add(text.slice(5));
      return;
    }
    this.paths.add(text);
  }
}

/** The profile paths and tags a rule reads, and whether it reads `now`. */
export function ruleDependencies(rule: unknown): RuleDependencies {
  const collector = new Collector();
  collector.visit(rule, undefined, 1);
  return { paths: [...collector.paths], tags: [...collector.tags], readsNow: collector.readsNow };
}
