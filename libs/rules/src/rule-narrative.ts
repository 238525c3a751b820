import { truthy } from './json-logic-semantics';
import { argumentsOf, operatorOf } from './operators';
import { REDACTED } from './rule-explainer';
import type { TraceNode } from './rule-interpreter';

// Why a rule holds, in words a call-centre agent reads aloud ("bureau score 754 is at least 680;
// thin file: no"), from the trace explain() records and the names people use: field titles from the
// profile schema, tag names from the definitions. Every part of a rule is phrased from its operator;
// a part no phrase fits is shown as JSON and counted in `fallbacks`, which the catalog test keeps at 0.
// A trace explain() redacted for the reader (REDACTED values) reads as withheld, like `withheld` paths.

export type NarrativeLanguage = 'en' | 'zh';

export interface NarrativeVocabulary {
  lang: NarrativeLanguage;
  // The title of a profile field (path segments; array items by index), or undefined.
  field(path: readonly string[]): string | undefined;
  // A tag's name and kind, or undefined when the tag is unknown.
  tag(tagId: string): { name: string; kind: string } | undefined;
  // Values that purpose rules keep from this reader (credit-bureau data): shown as withheld.
  withheld(path: readonly string[]): boolean;
}

export interface Narrative {
  // The facts that decide the outcome, in order.
  reasons: string[];
  fallbacks: number;
}

interface Words {
  yes: string;
  no: string;
  none: string;
  withheld: string;
  list: string;
  is: (subject: string, value: string) => string;
  onFile: (title: string, value: string) => string;
  notOnFile: (title: string) => string;
  counted: (title: string, n: number) => string;
  present: (title: string) => string;
  relation: Record<string, readonly [string, string]>;
  compare: (a: string, relation: string, b: string) => string;
  between: (a: string, low: string, high: string, holds: boolean) => string;
  oneOf: (a: string, list: string, holds: boolean) => string;
  contains: (a: string, b: string, holds: boolean) => string;
  since: (unit: 'days' | 'months' | 'years', what: string, n: string) => string;
  elapsed: (unit: 'days' | 'months' | 'years', what: string) => string;
  some: (title: string, inner: string, matched: number, total: number) => string;
  noneOf: (title: string, inner: string, total: number) => string;
  allOf: (title: string, inner: string, total: number) => string;
  notAll: (title: string, inner: string, failing: number, total: number) => string;
  computedOver: (value: string, total: number, title: string) => string;
  noItems: (title: string) => string;
  smallerOf: (parts: string[], value: string) => string;
  largerOf: (parts: string[], value: string) => string;
  sum: (parts: string[], value: string) => string;
  nothingCounted: (total: number) => string;
  because: (value: string, reason: string) => string;
  noConditionHeld: (lastFalse: string) => string;
  missing: (fields: string) => string;
  nothingMissing: (fields: string) => string;
  withheldCondition: (title: string) => string;
  and: (parts: string[]) => string;
  noneHeld: (parts: string[]) => string;
  item: (title: string, index: number) => string;
}

const EN: Words = {
  yes: 'yes',
  no: 'no',
  none: 'none',
  withheld: 'withheld',
  list: ', ',
  is: (subject, value) => `${subject}: ${value}`,
  onFile: (title, value) => `${title} ${value} on file`,
  notOnFile: (title) => `no ${title} on file`,
  counted: (title, n) => `${n} ${title} on file`,
  present: (title) => `${title} on file`,
  relation: {
    '>=': ['is at least', 'is below'],
    '>': ['is above', 'is at most'],
    '<': ['is below', 'is at least'],
    '<=': ['is at most', 'is above'],
    '==': ['is', 'is not'],
    '===': ['is', 'is not'],
    '!=': ['is not', 'is'],
    '!==': ['is not', 'is'],
  },
  compare: (a, relation, b) => `${a} ${relation} ${b}`,
  between: (a, low, high, holds) => `${a} is ${holds ? '' : 'not '}between ${low} and ${high}`,
  oneOf: (a, list, holds) => `${a} is ${holds ? '' : 'not '}one of ${list}`,
  contains: (a, b, holds) => `${a} ${holds ? 'contains' : 'does not contain'} ${b}`,
  since: (unit, what, n) => `${n} ${unit} since ${what}`,
  elapsed: (unit, what) => `${unit} since ${what}`,
  some: (title, inner, matched, total) => `${matched} of ${total} ${title} with ${inner}`,
  noneOf: (title, inner, total) => `no ${title} with ${inner} (${total} on file)`,
  allOf: (title, inner, total) => `all ${total} ${title} with ${inner}`,
  notAll: (title, inner, failing, total) => `${failing} of ${total} ${title} without ${inner}`,
  computedOver: (value, total, title) => `${value}, from ${total} ${title}`,
  noItems: (title) => `no ${title} on file`,
  smallerOf: (parts, value) => `${value}, the smaller of ${parts.join(' and ')}`,
  largerOf: (parts, value) => `${value}, the larger of ${parts.join(' and ')}`,
  sum: (parts, value) => `${value}: ${parts.join(', ')}`,
  nothingCounted: (total) => `none of the ${total} counted`,
  because: (value, reason) => `${value} as ${reason}`,
  noConditionHeld: (lastFalse) => `none of the conditions held (${lastFalse})`,
  missing: (fields) => `missing: ${fields}`,
  nothingMissing: (fields) => `on file: ${fields}`,
  withheldCondition: (title) => `a condition on ${title} (withheld)`,
  and: (parts) => parts.join(', '),
  noneHeld: (parts) => `none of: ${parts.join(', ')}`,
  item: (title, index) => `${title} #${index + 1}`,
};

const ZH: Words = {
  yes: '是',
  no: '否',
  none: '无',
  withheld: '已隐藏',
  list: '、',
  is: (subject, value) => `${subject}：${value}`,
  onFile: (title, value) => `${title}为 ${value}`,
  notOnFile: (title) => `无${title}记录`,
  counted: (title, n) => `有 ${n} 条${title}记录`,
  present: (title) => `有${title}记录`,
  relation: {
    '>=': ['不低于', '低于'],
    '>': ['高于', '不高于'],
    '<': ['低于', '不低于'],
    '<=': ['不高于', '高于'],
    '==': ['为', '不为'],
    '===': ['为', '不为'],
    '!=': ['不为', '为'],
    '!==': ['不为', '为'],
  },
  compare: (a, relation, b) => `${a} ${relation} ${b}`,
  between: (a, low, high, holds) => `${a} ${holds ? '在' : '不在'} ${low} 至 ${high} 之间`,
  oneOf: (a, list, holds) => `${a} ${holds ? '属于' : '不属于'} ${list}`,
  contains: (a, b, holds) => `${a} ${holds ? '包含' : '不包含'} ${b}`,
  since: (unit, what, n) => `${what} 距今 ${n} ${unit === 'days' ? '天' : unit === 'months' ? '个月' : '年'}`,
  elapsed: (unit, what) => `${what}距今${unit === 'days' ? '天数' : unit === 'months' ? '月数' : '年数'}`,
  some: (title, inner, matched, total) => `${total} 条${title}中有 ${matched} 条${inner}`,
  noneOf: (title, inner, total) => `${total} 条${title}中没有${inner}的`,
  allOf: (title, inner, total) => `全部 ${total} 条${title}均${inner}`,
  notAll: (title, inner, failing, total) => `${total} 条${title}中有 ${failing} 条不满足${inner}`,
  computedOver: (value, total, title) => `${value}（按 ${total} 条${title}计算）`,
  noItems: (title) => `无${title}记录`,
  smallerOf: (parts, value) => `${value}，取 ${parts.join(' 与 ')} 中较小者`,
  largerOf: (parts, value) => `${value}，取 ${parts.join(' 与 ')} 中较大者`,
  sum: (parts, value) => `${value}：${parts.join('，')}`,
  nothingCounted: (total) => `${total} 项均未计入`,
  because: (value, reason) => `${value}，因为${reason}`,
  noConditionHeld: (lastFalse) => `各项条件均不满足（${lastFalse}）`,
  missing: (fields) => `缺少：${fields}`,
  nothingMissing: (fields) => `已有：${fields}`,
  withheldCondition: (title) => `涉及${title}的条件（已隐藏）`,
  and: (parts) => parts.join('，'),
  noneHeld: (parts) => `均不满足：${parts.join('，')}`,
  item: (title, index) => `${title}第 ${index + 1} 项`,
};

export const NARRATIVE_WORDS: Record<
  NarrativeLanguage,
  { yes: string; no: string; none: string; withheld: string }
> = { en: EN, zh: ZH };

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==']);
const QUANTIFIERS = new Set(['some', 'all', 'none']);
const ARITHMETIC: Record<string, string> = { '+': '+', '-': '−', '*': '×', '/': '÷', '%': 'mod' };
const MAX_TEXT = 60;

function ruleAt(rule: unknown, pointer: string): unknown {
  let node = rule;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node;
}

const splitPath = (path: string): string[] => (path === '' ? [] : path.split('.'));

class Narrator {
  fallbacks = 0;
  private readonly words: Words;

  constructor(
    private readonly rule: unknown,
    private readonly vocabulary: NarrativeVocabulary,
  ) {
    this.words = vocabulary.lang === 'zh' ? ZH : EN;
  }

  // The facts that decide a tag's value: for and/or the parts that decide, else the node itself.
  reasons(node: TraceNode): string[] {
    const logic = this.logicOf(node);
    switch (node.op) {
      case 'and':
      case 'or': {
        const deciding = this.deciding(node);
        return deciding.length === 1 && (deciding[0].op === 'and' || deciding[0].op === 'or')
          ? this.reasons(deciding[0])
          : deciding.map((child) => this.condition(child));
      }
      case 'if':
      case '?:':
        return this.branchReasons(node);
      case 'literal':
        return [this.value(logic)];
      default:
        return [this.conditionOrValue(node)];
    }
  }

  // Children of and/or that decide the outcome: every part when `and` holds or `or` fails, else the
  // one that ended the evaluation.
  private deciding(node: TraceNode): TraceNode[] {
    const children = this.ownChildren(node);
    const holds = truthy(node.value);
    if ((node.op === 'and') === holds) return children;
    return children.length > 0 ? [children[children.length - 1]] : [];
  }

  // The branch an if took: the condition that held (and the value it gave, when that is not a
  // literal), or for the else branch the last condition that failed.
  private branchReasons(node: TraceNode): string[] {
    const args = this.args(node);
    const conditions: TraceNode[] = [];
    for (let i = 0; i < args.length - 1; i += 2) {
      const condition = this.argument(node, i);
      if (condition === undefined) break;
      conditions.push(condition);
      const taken = this.argument(node, i + 1);
      // A redacted condition hides whether it held; the trace still tells when its branch ran or a
      // later part was evaluated, and otherwise it is named as withheld and nothing more is said.
      const held =
        condition.value === REDACTED
          ? taken !== undefined || this.argument(node, i + 2) === undefined
          : truthy(condition.value);
      if (held) {
        const reason = this.condition(condition);
        return taken && !this.isLiteralNode(taken) ? [reason, ...this.reasons(taken)] : [reason];
      }
    }
    const fallback = args.length % 2 === 1 ? this.argument(node, args.length - 1) : undefined;
    const last = conditions[conditions.length - 1];
    const lastFalse = last ? this.condition(last) : '';
    if (fallback && !this.isLiteralNode(fallback))
      return [...(last ? [lastFalse] : []), ...this.reasons(fallback)];
    return [this.words.noConditionHeld(lastFalse)];
  }

  // A part evaluated for its truth, phrased as the fact that decided it.
  condition(node: TraceNode): string {
    const w = this.words;
    const args = this.args(node);
    const holds = truthy(node.value);
    if (this.readsWithheld(node)) return w.withheldCondition(this.withheldTitle(node));
    if (COMPARISONS.has(node.op)) return this.comparison(node, args, holds);
    switch (node.op) {
      case 'var':
        return this.fact(node);
      case '!!': {
        const child = this.argument(node, 0);
        if (child?.op === 'var' && !this.isTagPath(child.path)) {
          const title = this.title(child);
          if (!holds) return w.notOnFile(title);
          if (Array.isArray(child.value)) return w.counted(title, child.value.length);
          if (typeof child.value === 'object' && child.value !== null) return w.present(title);
          return w.onFile(title, this.value(child.value));
        }
        return child ? this.condition(child) : this.value(args[0]);
      }
      case '!': {
        const child = this.argument(node, 0);
        return child ? this.condition(child) : this.value(args[0]);
      }
      case 'and':
      case 'or': {
        const deciding = this.deciding(node).map((child) => this.condition(child));
        return node.op === 'or' && !holds ? w.noneHeld(deciding) : w.and(deciding);
      }
      case 'in':
        return this.membership(node, holds);
      case 'missing':
      case 'missing_some': {
        const missing = Array.isArray(node.value) ? node.value : [];
        const keys = (Array.isArray(args[0]) ? args[0] : node.op === 'missing' ? args : args[1]) as unknown[];
        const titles = (missing.length > 0 ? missing : Array.isArray(keys) ? keys : []).map((key) =>
          this.pathTitle(splitPath(String(key))),
        );
        return missing.length > 0 ? w.missing(titles.join(w.list)) : w.nothingMissing(titles.join(w.list));
      }
      case 'if':
      case '?:':
        return this.branchReasons(node).join(w.list);
      case 'literal':
        return this.value(node.value);
      default:
        if (QUANTIFIERS.has(node.op)) return this.quantifier(node, args);
        return this.is(this.operand(node), holds);
    }
  }

  private conditionOrValue(node: TraceNode): string {
    const known =
      COMPARISONS.has(node.op) || ['var', '!!', '!', 'in', 'missing', 'missing_some'].includes(node.op);
    return known || QUANTIFIERS.has(node.op) ? this.condition(node) : this.operand(node);
  }

  private is(what: string, holds: boolean): string {
    return this.words.is(what, holds ? this.words.yes : this.words.no);
  }

  // A var read for its truth: a tag's value, or a field's.
  private fact(node: TraceNode): string {
    const path = node.path ?? '';
    if (this.isTagPath(path)) {
      const tag = this.vocabulary.tag(path.slice('tags.'.length));
      const boolean = tag === undefined || tag.kind === 'boolean' || tag.kind === 'segment';
      return this.words.is(this.title(node), boolean ? this.yesNo(node.value) : this.value(node.value));
    }
    return this.words.is(
      this.title(node),
      typeof node.value === 'boolean' ? this.yesNo(node.value) : this.value(node.value),
    );
  }

  private comparison(node: TraceNode, args: unknown[], holds: boolean): string {
    const w = this.words;
    const [first, second, third] = [0, 1, 2].map((i) => this.argument(node, i));
    if (args.length === 3 && (node.op === '<' || node.op === '<=')) {
      return w.between(
        this.operand(second ?? args[1]),
        this.operand(first ?? args[0]),
        this.operand(third ?? args[2]),
        holds,
      );
    }
    // A field against true, false or null: say what it is.
    const literal = first === undefined ? args[0] : second === undefined ? args[1] : undefined;
    const subject = first === undefined ? second : first;
    if (
      subject &&
      (literal === true || literal === false) &&
      (node.op.startsWith('=') || node.op.startsWith('!'))
    ) {
      return w.is(this.title(subject), this.yesNo(subject.value));
    }
    if (subject && literal === null && subject.op === 'var' && (node.op === '!=' || node.op === '!==')) {
      const title = this.title(subject);
      return holds ? w.onFile(title, this.value(subject.value)) : w.notOnFile(title);
    }
    const relation = w.relation[node.op][holds ? 0 : 1];
    return w.compare(this.operand(first ?? args[0]), relation, this.operand(second ?? args[1]));
  }

  private membership(node: TraceNode, holds: boolean): string {
    const w = this.words;
    const needle = this.argument(node, 0);
    const haystack = node.inputs[1];
    const what = this.operand(needle ?? this.args(node)[0]);
    if (Array.isArray(haystack)) {
      return w.oneOf(what, haystack.map((item) => this.value(item)).join(w.list), holds);
    }
    const container = this.argument(node, 1);
    return w.contains(this.operand(container ?? haystack), what, holds);
  }

  private quantifier(node: TraceNode, args: unknown[]): string {
    const w = this.words;
    const source = this.argument(node, 0);
    const title = source?.op === 'var' ? this.pathTitle(splitPath(source.path ?? '')) : this.value(args[0]);
    const items = Array.isArray(node.inputs[0]) ? node.inputs[0] : [];
    if (items.length === 0) return w.noItems(title);
    const elementPath = source?.op === 'var' ? [...splitPath(source.path ?? ''), '0'] : undefined;
    const inner = this.generic(args[1], elementPath);
    const matchedElements = new Set(
      node.children
        .filter((child) => child.element !== undefined && child.pointer === `${node.pointer}/${node.op}/1`)
        .filter((child) => truthy(child.value))
        .map((child) => child.element),
    );
    // A literal condition ({"none": [loans, true]}) leaves no trace per element.
    const matched =
      operatorOf(args[1]) === undefined ? (truthy(args[1]) ? items.length : 0) : matchedElements.size;
    switch (node.op) {
      case 'some':
        return matched > 0
          ? w.some(title, inner, matched, items.length)
          : w.noneOf(title, inner, items.length);
      case 'none':
        return matched === 0
          ? w.noneOf(title, inner, items.length)
          : w.some(title, inner, matched, items.length);
      default:
        return matched === items.length
          ? w.allOf(title, inner, items.length)
          : w.notAll(title, inner, items.length - matched, items.length);
    }
  }

  // A part that gives a value: a field or tag with its value, a literal, a computation with its result.
  operand(target: TraceNode | unknown): string {
    const w = this.words;
    if (!this.isTraceNode(target)) return this.value(target);
    const node = target;
    if (this.readsWithheld(node)) return `${this.withheldTitle(node)} (${w.withheld})`;
    switch (node.op) {
      case 'var':
        return `${this.title(node)} ${this.value(node.value)}`;
      case 'days_since':
      case 'months_since':
      case 'years_since': {
        const inner = node.children[0];
        const what =
          inner?.op === 'var'
            ? `${this.title(inner)} ${this.value(inner.value)}`
            : this.value(node.inputs[0]);
        const unit = node.op === 'days_since' ? 'days' : node.op === 'months_since' ? 'months' : 'years';
        return w.since(unit, what, this.value(node.value));
      }
      case 'min':
      case 'max': {
        const parts = this.args(node).map((arg, i) => this.operand(this.argument(node, i) ?? arg));
        return node.op === 'min'
          ? w.smallerOf(parts, this.value(node.value))
          : w.largerOf(parts, this.value(node.value));
      }
      case '+':
        return this.sum(node);
      case 'if':
      case '?:':
        return w.because(this.value(node.value), this.branchReasons(node).join(w.list));
      case 'reduce':
      case 'map':
      case 'filter': {
        const source = this.argument(node, 0);
        const title =
          source?.op === 'var'
            ? this.pathTitle(splitPath(source.path ?? ''))
            : this.value(this.args(node)[0]);
        const items = Array.isArray(node.inputs[0]) ? node.inputs[0].length : 0;
        return items === 0
          ? `${this.value(node.value)} (${w.noItems(title)})`
          : w.computedOver(this.value(node.value), items, title);
      }
      case 'literal':
        return this.value(node.value);
      default: {
        const symbol = ARITHMETIC[node.op];
        if (symbol !== undefined) {
          const parts = this.args(node).map((arg, i) => this.operand(this.argument(node, i) ?? arg));
          const expression =
            parts.length === 1 && node.op === '-' ? `−${parts[0]}` : parts.join(` ${symbol} `);
          return `${expression} = ${this.value(node.value)}`;
        }
        if (
          COMPARISONS.has(node.op) ||
          ['!', '!!', 'in', 'and', 'or'].includes(node.op) ||
          QUANTIFIERS.has(node.op)
        ) {
          return this.condition(node);
        }
        this.fallbacks += 1;
        return `${this.json(ruleAt(this.rule, node.pointer))} = ${this.value(node.value)}`;
      }
    }
  }

  // A sum of counted conditions ({"if": [c, 1, 0]} each): the ones that counted.
  private sum(node: TraceNode): string {
    const w = this.words;
    const args = this.args(node);
    const terms = args.map((arg, i) => ({ arg, child: this.argument(node, i) }));
    const counted = terms.filter(({ child, arg }) => (child ? child.value : arg) !== 0);
    const parts = counted.map(({ child, arg }) => {
      if (child && this.readsWithheld(child)) return this.operand(child);
      if (child && (child.op === 'if' || child.op === '?:')) {
        const reasons = this.branchReasons(child).join(w.list);
        return child.value === 1 ? reasons : `${this.value(child.value)} (${reasons})`;
      }
      return this.operand(child ?? arg);
    });
    if (parts.length === 0) return `${this.value(node.value)} (${w.nothingCounted(args.length)})`;
    return w.sum(parts, this.value(node.value));
  }

  // A condition on array elements, phrased without values ("type is mortgage").
  private generic(logic: unknown, elementPath: string[] | undefined): string {
    const w = this.words;
    const op = operatorOf(logic);
    if (op === undefined) return logic === true ? w.yes : logic === false ? w.no : this.value(logic);
    const args = argumentsOf(logic as object, op);
    const side = (value: unknown): string => {
      if (operatorOf(value) === 'var') {
        const raw = (value as { var: unknown }).var;
        const path = String(Array.isArray(raw) ? raw[0] : raw);
        return this.pathTitle([...(elementPath ?? []), ...splitPath(path)]);
      }
      if (operatorOf(value) !== undefined) return this.generic(value, elementPath);
      return this.value(value);
    };
    if (COMPARISONS.has(op)) return w.compare(side(args[0]), w.relation[op][0], side(args[1]));
    switch (op) {
      case 'var':
        return side(logic);
      case '!!':
        return side(args[0]);
      case '!':
        return `${w.relation['!='][0]} ${side(args[0])}`;
      case 'and':
      case 'or':
        return args.map((arg) => this.generic(arg, elementPath)).join(op === 'and' ? w.list : ' / ');
      case 'days_since':
      case 'months_since':
      case 'years_since':
        return w.elapsed(
          op === 'days_since' ? 'days' : op === 'months_since' ? 'months' : 'years',
          side(args[0]),
        );
      case 'in':
        return w.oneOf(
          side(args[0]),
          Array.isArray(args[1]) ? args[1].map((item) => this.value(item)).join(w.list) : side(args[1]),
          true,
        );
      default: {
        const symbol = ARITHMETIC[op];
        if (symbol !== undefined) return args.map(side).join(` ${symbol} `);
        this.fallbacks += 1;
        return this.json(logic);
      }
    }
  }

  private readsWithheld(node: TraceNode): boolean {
    if (node.op === 'var')
      return (
        node.value === REDACTED ||
        (node.path !== undefined && this.vocabulary.withheld(this.schemaPath(node.path)))
      );
    return node.children.some((child) => this.readsWithheld(child));
  }

  private withheldTitle(node: TraceNode): string {
    if (node.op === 'var') return this.title(node);
    const read = node.children.find((child) => this.readsWithheld(child));
    return read ? this.withheldTitle(read) : this.words.withheld;
  }

  private isTagPath(path: string | undefined): path is string {
    return path !== undefined && path.startsWith('tags.');
  }

  // What people call the data a var reads: a tag's name, or a field's title.
  private title(node: TraceNode): string {
    const path = node.path ?? '';
    if (this.isTagPath(path)) {
      const id = path.slice('tags.'.length);
      const tag = this.vocabulary.tag(id);
      if (tag) return tag.name;
      this.fallbacks += 1;
      return id;
    }
    return this.pathTitle(this.schemaPath(path));
  }

  // A trace label such as cards[1].currentDpd, as schema path segments: cards, 1, currentDpd.
  private schemaPath(label: string): string[] {
    return splitPath(label.replace(/\[(\d+)\]/g, '.$1'));
  }

  private pathTitle(path: string[]): string {
    if (path.length === 0) {
      this.fallbacks += 1;
      return 'data';
    }
    const title = this.vocabulary.field(path);
    if (title !== undefined) return title;
    // An array element read by index: the array's title and the position.
    const last = path[path.length - 1];
    if (/^\d+$/.test(last)) {
      const array = this.vocabulary.field(path.slice(0, -1));
      if (array !== undefined) return this.words.item(array, Number(last));
    }
    this.fallbacks += 1;
    return path.join('.');
  }

  private yesNo(value: unknown): string {
    return truthy(value) ? this.words.yes : this.words.no;
  }

  value(value: unknown): string {
    if (value === REDACTED) return this.words.withheld;
    if (value === null || value === undefined) return this.words.none;
    if (typeof value === 'boolean') return value ? this.words.yes : this.words.no;
    if (typeof value === 'number') {
      return Number.isFinite(value)
        ? value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 1 ? 3 : 2 })
        : String(value);
    }
    if (typeof value === 'string')
      return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT - 1)}…` : value;
    if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) {
      return value.length === 0
        ? this.words.none
        : value.map((item) => this.value(item)).join(this.words.list);
    }
    this.fallbacks += 1;
    return this.json(value);
  }

  private json(value: unknown): string {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
  }

  private isTraceNode(value: unknown): value is TraceNode {
    return (
      typeof value === 'object' &&
      value !== null &&
      'pointer' in value &&
      'op' in value &&
      'children' in value
    );
  }

  private isLiteralNode(node: TraceNode): boolean {
    return operatorOf(ruleAt(this.rule, node.pointer)) === undefined && node.op !== '[]';
  }

  private logicOf(node: TraceNode): unknown {
    return ruleAt(this.rule, node.pointer);
  }

  private args(node: TraceNode): unknown[] {
    const logic = this.logicOf(node);
    return operatorOf(logic) === undefined ? [] : argumentsOf(logic as object, node.op);
  }

  // The trace of argument i, when it was evaluated and is an operator (literals leave no trace).
  private argument(node: TraceNode, i: number): TraceNode | undefined {
    const raw = (this.logicOf(node) as Record<string, unknown> | undefined)?.[node.op];
    const op = node.op.replace(/~/g, '~0').replace(/\//g, '~1');
    const pointer = Array.isArray(raw) ? `${node.pointer}/${op}/${i}` : `${node.pointer}/${op}`;
    if (!Array.isArray(raw) && i > 0) return undefined;
    return node.children.find((child) => child.element === undefined && child.pointer === pointer);
  }

  private ownChildren(node: TraceNode): TraceNode[] {
    return node.children.filter((child) => child.element === undefined);
  }
}

/** The reasons a rule gives its value for one customer, from the trace of explain(). */
export function narrate(rule: unknown, trace: TraceNode, vocabulary: NarrativeVocabulary): Narrative {
  const narrator = new Narrator(rule, vocabulary);
  // A rule that is a literal leaves a node of its own; `literal` traces have no operator in the rule.
  const reasons = operatorOf(rule) === undefined ? [narrator.value(rule)] : narrator.reasons(trace);
  return { reasons, fallbacks: narrator.fallbacks };
}
