import { breakdown } from './composition';

describe('breakdown', () => {
  it('gives shares and TGI, with customers without a value as a row of their own', () => {
    const rows = breakdown(
      [
        { key: 'tier_1', count: 30 },
        { key: 'tier_2', count: 10 },
      ],
      50,
      [
        { key: 'tier_1', count: 200 },
        { key: 'tier_2', count: 300 },
        { key: 'tier_3', count: 100 },
      ],
      1000,
    );
    expect(rows.map((row) => row.key)).toEqual(['tier_2', 'tier_1', 'tier_3', null]);
    const tier1 = rows.find((row) => row.key === 'tier_1')!;
    expect(tier1.audienceShare).toBeCloseTo(0.6, 12);
    expect(tier1.populationShare).toBeCloseTo(0.2, 12);
    expect(tier1.tgi).toBeCloseTo(300, 9);
    expect(rows.find((row) => row.key === 'tier_3')!.tgi).toBe(0);
    const missing = rows.find((row) => row.key === null)!;
    expect(missing).toMatchObject({ audience: 10, population: 400 });
    expect(missing.tgi).toBeCloseTo((10 / 50 / 0.4) * 100, 9);
  });

  it('keeps the order of bins and answers null TGI where the population has nobody', () => {
    const rows = breakdown(
      [{ key: '>= 40', count: 2 }],
      2,
      [
        { key: '< 10', count: 0 },
        { key: '>= 40', count: 4 },
      ],
      4,
      ['< 10', '>= 40'],
    );
    expect(rows.map((row) => [row.key, row.tgi])).toEqual([
      ['< 10', null],
      ['>= 40', 100],
    ]);
    expect(breakdown([], 0, [{ key: 'a', count: 1 }], 1).map((row) => row.tgi)).toEqual([null]);
  });
});
