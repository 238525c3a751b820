import { LogicEngine } from 'json-logic-engine';
import { isDeepStrictEqual } from 'node:util';
import { CatalogEvaluator, TagKind } from '@tagforge/evaluation';
import {
  CompiledRule,
  compile,
  daysSince,
  monthsSince,
  parseNow,
  referenceApply,
  yearsSince,
} from '@tagforge/rules';
import { BENCH_RULES } from './rules-catalog';
import { generateProfiles } from './rules-profiles';

// Rule evaluations per second for json-logic-js (the reference), json-logic-engine (compiled, the
// fastest peer) and Tagforge's compiler, side by side in one run. Usage:
//   node dist/test/bench/rules.bench.js [--profiles <n>]
// The last line of output is one JSON object.

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

// One loop per engine (a shared callback would make the call site megamorphic and blur the
// comparison). Each returns a checksum so the optimiser cannot drop the work; every engine runs
// inside the same try, because json-logic-engine throws NaN on some inputs.
function runReference(
  profiles: readonly unknown[],
  count: number,
  rules: readonly unknown[],
  now: number,
): number {
  let checksum = 0;
  for (let p = 0; p < count; p += 1) {
    for (let r = 0; r < rules.length; r += 1) {
      try {
        if (referenceApply(rules[r], profiles[p], now) === true) checksum += 1;
      } catch {
        checksum -= 1;
      }
    }
  }
  return checksum;
}

function runEngine(
  profiles: readonly unknown[],
  count: number,
  rules: readonly ((data: unknown) => unknown)[],
): number {
  let checksum = 0;
  for (let p = 0; p < count; p += 1) {
    for (let r = 0; r < rules.length; r += 1) {
      try {
        if (rules[r](profiles[p]) === true) checksum += 1;
      } catch {
        checksum -= 1;
      }
    }
  }
  return checksum;
}

function runOurs(
  profiles: readonly unknown[],
  count: number,
  rules: readonly CompiledRule[],
  now: number,
): number {
  let checksum = 0;
  for (let p = 0; p < count; p += 1) {
    for (let r = 0; r < rules.length; r += 1) {
      try {
        if (rules[r](profiles[p], now) === true) checksum += 1;
      } catch {
        checksum -= 1;
      }
    }
  }
  return checksum;
}

const TIMED_PASSES = 3;

interface Contender {
  name: string;
  run: (count: number) => number;
  rates: number[];
  checksum: number;
}

// A warm-up pass each, then three timed passes over every profile, interleaved so that load
// from other processes falls on every engine alike; each engine's median rate counts.
function race(contenders: Contender[], profiles: number, rules: number): void {
  for (const contender of contenders) contender.run(Math.min(profiles, 20_000));
  for (let pass = 0; pass < TIMED_PASSES; pass += 1) {
    for (const contender of contenders) {
      const start = process.hrtime.bigint();
      contender.checksum = contender.run(profiles);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      contender.rates.push((profiles * rules) / seconds);
    }
  }
  for (const contender of contenders) {
    const rates = [...contender.rates].sort((a, b) => a - b);
    process.stdout.write(
      `${contender.name.padEnd(28)} ${(median(rates) / 1e6).toFixed(2).padStart(8)} M rule evals/s  ` +
        `(passes ${contender.rates.map((rate) => (rate / 1e6).toFixed(2)).join(' / ')} M/s, checksum ${contender.checksum})\n`,
    );
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Informational: the whole catalog per customer through CatalogEvaluator (tags normalised).
function measureCatalog(profiles: readonly unknown[], names: readonly string[], now: number): void {
  const kinds: Record<string, TagKind> = {
    score_band: 'category',
    preferred_channel: 'category',
    occupation_type: 'category',
    risk_points: 'number',
  };
  const evaluator = new CatalogEvaluator(
    names.map((id) => ({ id, kind: kinds[id] ?? 'boolean', rule: BENCH_RULES[id] })),
  );
  const pass = (count: number): number => {
    let set = 0;
    for (let p = 0; p < count; p += 1)
      set += Object.keys(evaluator.evaluateCustomer(profiles[p], now).values).length;
    return set;
  };
  pass(Math.min(profiles.length, 20_000));
  const start = process.hrtime.bigint();
  const set = pass(profiles.length);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(
    `CatalogEvaluator             ${(profiles.length / seconds / 1e3).toFixed(0).padStart(8)} k customers/s ` +
      `(${names.length} tags each, ${((profiles.length * names.length) / seconds / 1e6).toFixed(2)} M rule evals/s, ${set} tags set)\n`,
  );
}

function main(): void {
  const profileCount = option('--profiles', 100_000);
  const now = parseNow('2026-01-01T00:00:00Z');
  const profiles = generateProfiles(profileCount, now);
  const names = Object.keys(BENCH_RULES);
  const rules = names.map((name) => BENCH_RULES[name]);
  process.stdout.write(`${profileCount} profiles x ${rules.length} rules, node ${process.version}\n`);

  // json-logic-engine gets the same added operators; its methods receive the argument list.
  const engine = new LogicEngine();
  engine.addMethod('days_since', (args: unknown[]) => daysSince(args[0], now));
  engine.addMethod('months_since', (args: unknown[]) => monthsSince(args[0], now));
  engine.addMethod('years_since', (args: unknown[]) => yearsSince(args[0], now));
  const engineRules = rules.map((rule) => engine.build(rule as never) as (data: unknown) => unknown);
  const ours: CompiledRule[] = rules.map((rule) => compile(rule));

  const contenders: Contender[] = [
    {
      name: 'json-logic-js 2.0.5',
      run: (count) => runReference(profiles, count, rules, now),
      rates: [],
      checksum: 0,
    },
    {
      name: 'json-logic-engine 5 (built)',
      run: (count) => runEngine(profiles, count, engineRules),
      rates: [],
      checksum: 0,
    },
    {
      name: 'tagforge compile()',
      run: (count) => runOurs(profiles, count, ours, now),
      rates: [],
      checksum: 0,
    },
  ];
  race(contenders, profiles.length, rules.length);
  const [jsonLogicJsPerSec, jsonLogicEnginePerSec, oursPerSec] = contenders.map((contender) =>
    median(contender.rates),
  );
  measureCatalog(profiles, names, now);

  let mismatches = 0;
  let engineMismatches = 0;
  for (const profile of profiles) {
    for (let r = 0; r < rules.length; r += 1) {
      const expected = referenceApply(rules[r], profile, now);
      if (!isDeepStrictEqual(ours[r](profile, now), expected)) {
        if (mismatches < 5) process.stdout.write(`MISMATCH ${names[r]} ${JSON.stringify(profile)}\n`);
        mismatches += 1;
      }
      try {
        if (!isDeepStrictEqual(engineRules[r](profile), expected)) engineMismatches += 1;
      } catch {
        engineMismatches += 1;
      }
    }
  }
  const ratioVsJsonLogicJs = oursPerSec / jsonLogicJsPerSec;
  const ratioVsJsonLogicEngine = oursPerSec / jsonLogicEnginePerSec;
  process.stdout.write(
    `tagforge vs json-logic-js: ${ratioVsJsonLogicJs.toFixed(1)}x; vs json-logic-engine: ${ratioVsJsonLogicEngine.toFixed(2)}x\n` +
      `mismatches against json-logic-js: tagforge ${mismatches}, json-logic-engine ${engineMismatches} (for information)\n`,
  );
  const round = (value: number): number => Math.round(value);
  const ratio = (value: number): number => Math.round(value * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      profiles: profileCount,
      rules: rules.length,
      jsonLogicJsPerSec: round(jsonLogicJsPerSec),
      jsonLogicEnginePerSec: round(jsonLogicEnginePerSec),
      oursPerSec: round(oursPerSec),
      ratioVsJsonLogicJs: ratio(ratioVsJsonLogicJs),
      ratioVsJsonLogicEngine: ratio(ratioVsJsonLogicEngine),
      mismatches,
    })}\n`,
  );
  if (mismatches > 0) process.exitCode = 1;
}

main();
