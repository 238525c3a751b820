// A JSON Logic rule as a readable outline: "all of" / "any of" with one line per condition, tags by
// their names, profile fields by path. Pure; the tag page and the review screen render it.
export interface RuleLine {
  text: string;
  children?: RuleLine[];
}

export interface RuleWords {
  all: string;
  any: string;
  not: string;
  isSet: string;
  ifThen: (condition: string, then: string, otherwise: string) => string;
  daysSince: string;
  monthsSince: string;
  yearsSince: string;
  missing: string;
  inList: string;
  some: string;
  every: string;
  noneOf: string;
}

export const RULE_WORDS: Record<'en' | 'zh', RuleWords> = {
  en: {
    all: 'all of',
    any: 'any of',
    not: 'not',
    isSet: 'is set',
    ifThen: (c, a, b) => `if ${c} then ${a} else ${b}`,
    daysSince: 'days since',
    monthsSince: 'months since',
    yearsSince: 'years since',
    missing: 'missing',
    inList: 'in',
    some: 'some',
    every: 'every',
    noneOf: 'no',
  },
  zh: {
    all: '同时满足',
    any: '满足任一',
    not: '非',
    isSet: '有值',
    ifThen: (c, a, b) => `如果 ${c} 则 ${a} 否则 ${b}`,
    daysSince: '距今天数',
    monthsSince: '距今月数',
    yearsSince: '距今年数',
    missing: '缺少',
    inList: '属于',
    some: '存在',
    every: '全部',
    noneOf: '没有',
  },
};

const COMPARISON_SYMBOLS: Record<string, string> = {
  '==': '=',
  '===': '=',
  '!=': '≠',
  '!==': '≠',
  '<': '<',
  '<=': '≤',
  '>': '>',
  '>=': '≥',
};
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', 'min', 'max']);

export interface RenderOptions {
  words: RuleWords;
  tagName: (tagId: string) => string;
}

function operatorOf(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

function argumentsOf(node: object, op: string): unknown[] {
  const raw = (node as Record<string, unknown>)[op];
  return Array.isArray(raw) ? raw : [raw];
}

function variableName(path: unknown, options: RenderOptions): string {
  const text = Array.isArray(path) ? String(path[0]) : String(path);
  if (text.startsWith('tags.')) return `«${options.tagName(text.slice(5))}»`;
  return text === '' ? 'item' : text;
}

// One expression on one line.
export function renderExpression(node: unknown, options: RenderOptions): string {
  const op = operatorOf(node);
  if (op === undefined) {
    if (Array.isArray(node)) return `[${node.map((item) => renderExpression(item, options)).join(', ')}]`;
    return JSON.stringify(node);
  }
  const args = argumentsOf(node as object, op);
  const words = options.words;
  const part = (value: unknown) => renderExpression(value, options);
  switch (op) {
    case 'var':
      return variableName(args[0], options);
    case '!!':
      return `${part(args[0])} ${words.isSet}`;
    case '!':
      return `${words.not} (${part(args[0])})`;
    case 'and':
      return args.map(part).join(' ∧ ');
    case 'or':
      return args.map(part).join(' ∨ ');
    case 'if':
    case '?:':
      return words.ifThen(part(args[0]), part(args[1]), args.length > 2 ? part(args[2]) : 'null');
    case 'days_since':
      return `${words.daysSince}(${part(args[0])})`;
    case 'months_since':
      return `${words.monthsSince}(${part(args[0])})`;
    case 'years_since':
      return `${words.yearsSince}(${part(args[0])})`;
    case 'missing':
    case 'missing_some':
      return `${words.missing} ${JSON.stringify(args)}`;
    case 'in':
      return `${part(args[0])} ${words.inList} ${part(args[1])}`;
    case 'some':
    case 'all':
    case 'none': {
      const quantifier = op === 'some' ? words.some : op === 'all' ? words.every : words.noneOf;
      return `${quantifier} ${part(args[0])}: ${part(args[1])}`;
    }
    default:
      if (op in COMPARISON_SYMBOLS) {
        const symbol = COMPARISON_SYMBOLS[op];
        // {"<": [a, b, c]} is a between: a < b < c
        return args.map(part).join(` ${symbol} `);
      }
      if (ARITHMETIC.has(op)) {
        if (op === 'min' || op === 'max') return `${op}(${args.map(part).join(', ')})`;
        return `(${args.map(part).join(` ${op} `)})`;
      }
      return `${op}(${args.map(part).join(', ')})`;
  }
}

// An outline: and / or / not over conditions become nested lines; the rest is one line each.
export function renderRule(rule: unknown, options: RenderOptions): RuleLine {
  const op = operatorOf(rule);
  if (op === 'and' || op === 'or') {
    const args = argumentsOf(rule as object, op);
    return {
      text: op === 'and' ? options.words.all : options.words.any,
      children: args.map((arg) => renderRule(arg, options)),
    };
  }
  if (op === '!') {
    const inner = argumentsOf(rule as object, op)[0];
    const innerOp = operatorOf(inner);
    if (innerOp === 'and' || innerOp === 'or') {
      return { text: options.words.not, children: [renderRule(inner, options)] };
    }
  }
  return { text: renderExpression(rule, options) };
}

// Every tag a rule reads ({"var": "tags.x"}), in order of appearance.
export function tagsRead(rule: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'var') {
        const path = Array.isArray(value) ? value[0] : value;
        if (typeof path === 'string' && path.startsWith('tags.') && !found.includes(path.slice(5))) {
          found.push(path.slice(5));
        }
      }
      visit(value);
    }
  };
  visit(rule);
  return found;
}
