import {
  binLabels,
  countsPerBin,
  distinctEdges,
  parseEdges,
  quantileFractions,
  quantilesOfCounts,
} from './bins';

describe('bins', () => {
  it('parses increasing decimal edges and refuses anything else', () => {
    expect(parseEdges('580,650.5,700')).toEqual({ edges: [580, 650.5, 700] });
    expect(parseEdges('-1,0')).toEqual({ edges: [-1, 0] });
    for (const bad of [
      '',
      '1,,2',
      '2,1',
      '1,1',
      'a',
      '1e3',
      Array(52)
        .fill(1)
        .map((_, i) => i)
        .join(','),
    ]) {
      expect(parseEdges(bad)).toHaveProperty('problem');
    }
  });

  it('labels the bins as width_bucket numbers them', () => {
    expect(binLabels([10, 25])).toEqual(['< 10', '[10, 25)', '>= 25']);
    expect(binLabels([])).toEqual(['all']);
    expect(
      countsPerBin(
        [10, 25],
        [
          { bin: 2, count: 3 },
          { bin: 0, count: 1 },
        ],
      ),
    ).toEqual([1, 0, 3]);
    expect(() => countsPerBin([10], [{ bin: 2, count: 1 }])).toThrow(RangeError);
  });

  it('turns quantiles into distinct sorted edges', () => {
    expect(quantileFractions(4)).toEqual([0.25, 0.5, 0.75]);
    expect(distinctEdges([5, 1, 5, 3, Number.NaN])).toEqual([1, 3, 5]);
  });

  it('takes percentile_disc over counted values', () => {
    const counts = [
      { value: 30, count: 2 },
      { value: 10, count: 5 },
      { value: 20, count: 3 },
      { value: 99, count: 0 },
    ];
    // 10 customers: the first value whose cumulative share reaches each fraction.
    expect(quantilesOfCounts(counts, [0.1, 0.5, 0.51, 0.8, 0.81, 1])).toEqual([10, 10, 20, 20, 30, 30]);
    expect(quantilesOfCounts([], [0.5])).toEqual([]);
  });
});
