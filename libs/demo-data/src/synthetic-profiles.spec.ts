import { readFileSync } from 'node:fs';
import { ProfileValidator } from '@tagforge/profile';
import { type CustomerRecord, syntheticCustomer, syntheticProfiles } from './synthetic-profiles';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const validator = new ProfileValidator(
  JSON.parse(readFileSync('tag-definitions/profile.schema.json', 'utf8')) as object,
);

const population = [...syntheticProfiles({ customers: 3000, seed: 7, now: NOW })];
const field = (record: CustomerRecord, section: string, name: string): unknown =>
  (record.profile[section] as Record<string, unknown> | undefined)?.[name];

describe('syntheticProfiles', () => {
  it('is deterministic per seed, and customer i does not depend on the run size', () => {
    const again = [...syntheticProfiles({ customers: 50, seed: 7, now: NOW })];
    expect(again).toEqual(population.slice(0, 50));
    expect(syntheticCustomer(7, 2999, NOW)).toEqual(population[2999]);
    expect([...syntheticProfiles({ customers: 50, seed: 8, now: NOW })]).not.toEqual(again);
  });

  it('numbers customers C0000001, C0000002, ...', () => {
    expect(population.slice(0, 2).map((record) => record.customerId)).toEqual(['C0000001', 'C0000002']);
  });

  it('produces profiles that validate against profile.schema.json', () => {
    const invalid = population
      .map((record) => ({ id: record.customerId, problems: validator.validate(record.profile) }))
      .filter((result) => result.problems.length > 0);
    expect(invalid).toEqual([]);
  });

  it('leaves sections out as real data does', () => {
    const share = (name: string) =>
      population.filter((record) => record.profile[name] === undefined).length / 3000;
    expect(share('bureau')).toBeGreaterThan(0.1);
    expect(share('bureau')).toBeLessThan(0.25);
    expect(share('loans')).toBeGreaterThan(0.2);
    expect(share('cards')).toBeGreaterThan(0.3);
  });

  it('correlates income with the city tier and the bureau score with overdue history', () => {
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const salaries = (tier: number) =>
      population
        .filter((record) => field(record, 'demographics', 'cityTier') === tier)
        .map((record) => field(record, 'income', 'monthlySalary'))
        .filter((salary): salary is number => typeof salary === 'number' && salary > 0);
    expect(mean(salaries(1))).toBeGreaterThan(1.5 * mean(salaries(4)));

    const scores = (late: boolean) =>
      population
        .filter((record) => Number(field(record, 'bureau', 'maxDpd24m')) >= 30 === late)
        .map((record) => field(record, 'bureau', 'score'))
        .filter((score): score is number => typeof score === 'number');
    expect(mean(scores(true))).toBeLessThan(mean(scores(false)) - 60);
  });
});
