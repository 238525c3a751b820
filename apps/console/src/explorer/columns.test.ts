import { describe, expect, it } from 'vitest';
import profileSchema from '../../../../tag-definitions/profile.schema.json';
import { allowedColumns, cellText, columnsParam, profileColumns, tagColumns } from './columns';

describe('export columns', () => {
  const fields = profileColumns(profileSchema as never);

  it('offers the scalar fields of the profile schema by dotted path, with their titles', () => {
    const values = fields.map((field) => field.value);
    expect(values).toContain('profile:demographics.cityTier');
    expect(values).toContain('profile:bureau.score');
    expect(values).toContain('profile:marketing.preferredChannel');
    expect(values.some((value) => value.startsWith('profile:loans'))).toBe(false);
    expect(values.some((value) => value.endsWith('.asOf'))).toBe(false);
    expect(new Set(values).size).toBe(values.length);
    const tier = fields.find((field) => field.value === 'profile:demographics.cityTier')!;
    expect(tier.title).toMatch(/^Demographics › /);
    expect(tier.titleZh).toMatch(/^人口属性 › /);
    expect(fields.find((field) => field.value === 'profile:bureau.score')!.bureau).toBe(true);
  });

  it('offers tags but not segments, and only what the key and the instant allow', () => {
    const tags = tagColumns([
      { id: 'risk_grade', name: 'Risk grade', nameZh: '风险等级', kind: 'category' },
      { id: 'do_not_market', name: 'Do not market', kind: 'segment' },
    ]);
    expect(tags).toEqual([
      { value: 'tag:risk_grade', title: 'Risk grade', titleZh: '风险等级', source: 'tag', bureau: false },
    ]);
    const all = [...tags, ...fields];
    const noBureau = allowedColumns(all, { canReadBureau: false, pastInstant: false });
    expect(noBureau.some((option) => option.bureau)).toBe(false);
    expect(noBureau.length).toBe(all.length - all.filter((option) => option.bureau).length);
    expect(allowedColumns(all, { canReadBureau: true, pastInstant: true })).toEqual(tags);
  });

  it('writes the columns parameter and cells as the CSV does', () => {
    expect(columnsParam([])).toBeUndefined();
    expect(columnsParam(['tag:risk_grade', 'profile:demographics.cityTier'])).toBe(
      'tag:risk_grade,profile:demographics.cityTier',
    );
    expect(columnsParam(Array.from({ length: 25 }, (_, index) => `tag:t${index}`))!.split(',')).toHaveLength(
      20,
    );
    expect([cellText(null), cellText(undefined), cellText(false), cellText(3), cellText('A')]).toEqual([
      '',
      '',
      'false',
      '3',
      'A',
    ]);
  });
});
