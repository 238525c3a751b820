import { CatalogEvaluator, type TagKind } from '@tagforge/evaluation';
import { ProfileValidator } from '@tagforge/profile';
import { parseNow, ruleDependencies } from '@tagforge/rules';
import { readDefinitions } from './definition-format';
import {
  DEFAULT_EXAMPLE_NOW,
  type ExampleValue,
  type TagDefinition,
  type TagDefinitionFile,
  type TagExample,
} from './tag-definition';

export interface ExampleResult {
  file: string;
  id: string;
  index: number;
  name: string;
  passed: boolean;
  expected: ExampleValue;
  actual: ExampleValue;
  // Why the example could not be evaluated (bad profile, rule error, unknown dependency...).
  error?: string;
}

interface EvaluatorDefinition {
  id: string;
  kind: TagKind;
  rule: unknown;
}

/**
 * Runs every example of every well-formed definition. Each example evaluates the definition together with
 * every tag it depends on (transitively) from the same catalog; `example.tags` fixes dependencies instead.
 */
export function runExamples(
  files: readonly TagDefinitionFile[],
  profileSchema: unknown,
  only: (file: string) => boolean = () => true,
): ExampleResult[] {
  const { definitions } = readDefinitions(files);
  const byId = new Map(definitions.map(({ definition }) => [definition.id, definition]));
  const profileValidator = ProfileValidator.for(profileSchema as object);
  const results: ExampleResult[] = [];
  for (const { file, definition } of definitions) {
    if (!only(file)) continue;
    let shared: CatalogEvaluator | undefined;
    (definition.examples ?? []).forEach((example, index) => {
      const expected = expectedValue(definition, example);
      const base = { file, id: definition.id, index, name: example.name, expected };
      try {
        const problems = profileValidator.validate(example.profile);
        if (problems.length > 0) {
          throw new Error(`profile: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`);
        }
        const now = parseNow(example.now ?? DEFAULT_EXAMPLE_NOW);
        const fixed = example.tags ?? {};
        const evaluator =
          Object.keys(fixed).length > 0
            ? new CatalogEvaluator(closure(definition, byId, fixed))
            : (shared ??= new CatalogEvaluator(closure(definition, byId, fixed)));
        const { values, errors } = evaluator.evaluateCustomer(example.profile, now);
        if (errors.length > 0) throw new Error(errors.map((e) => `${e.tagId}: ${e.message}`).join('; '));
        const actual = definition.id in values ? values[definition.id] : unsetValue(definition.kind);
        results.push({ ...base, actual, passed: same(expected, actual) });
      } catch (error) {
        results.push({ ...base, actual: null, passed: false, error: (error as Error).message });
      }
    });
  }
  return results;
}

// The definition and everything it reads, transitively; fixed tags become constant rules.
function closure(
  root: TagDefinition,
  byId: ReadonlyMap<string, TagDefinition>,
  fixed: Readonly<Record<string, ExampleValue>>,
): EvaluatorDefinition[] {
  const picked = new Map<string, EvaluatorDefinition>();
  const visit = (id: string, from: string): void => {
    if (picked.has(id)) return;
    const definition = byId.get(id);
    if (definition === undefined) throw new Error(`${from} depends on the unknown tag "${id}"`);
    if (id !== root.id && id in fixed) {
      // A literal is a JSON Logic rule that evaluates to itself.
      picked.set(id, { id, kind: definition.kind, rule: fixed[id] });
      return;
    }
    picked.set(id, { id, kind: definition.kind, rule: definition.rule });
    for (const dependency of ruleDependencies(definition.rule).tags) visit(dependency, id);
  };
  visit(root.id, root.id);
  return [...picked.values()];
}

function expectedValue(definition: TagDefinition, example: TagExample): ExampleValue {
  const flag = definition.kind === 'boolean' || definition.kind === 'segment';
  return flag ? example.expect === true : example.expect;
}

function unsetValue(kind: TagKind): ExampleValue {
  return kind === 'boolean' || kind === 'segment' ? false : null;
}

function same(expected: ExampleValue, actual: ExampleValue): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    // Ratios such as 6000 / 20000 should not fail on the last binary digit.
    return Math.abs(expected - actual) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  return expected === actual;
}
