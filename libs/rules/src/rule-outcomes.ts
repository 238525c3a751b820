import { operatorOf } from './operators';

/**
 * The values a rule can give, when every outcome is a literal reached through `if` / `?:` branches
 * or returned by `and` / `or`: the values a category tag takes. Undefined when some outcome is
 * computed (a `var`, a `cat`, ...), so the set is not known statically.
 */
export function ruleOutcomes(rule: unknown): unknown[] | undefined {
  const found = new Set<unknown>();
  const collect = (node: unknown): boolean => {
    if (node === null || ['string', 'number', 'boolean'].includes(typeof node)) {
      found.add(node);
      return true;
    }
    const op = operatorOf(node);
    if (op === undefined || Array.isArray(node)) return false;
    const raw = (node as Record<string, unknown>)[op];
    const args: unknown[] = Array.isArray(raw) ? raw : [raw];
    switch (op) {
      case 'if':
      case '?:': {
        for (let i = 1; i < args.length; i += 2) if (!collect(args[i])) return false;
        // No else branch: json-logic-js gives null when no condition holds.
        if (args.length % 2 === 1) return collect(args[args.length - 1]);
        found.add(null);
        return true;
      }
      case 'and':
      case 'or':
        return args.every(collect);
      default:
        return false;
    }
  };
  return collect(rule) ? [...found] : undefined;
}
