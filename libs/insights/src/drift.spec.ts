import { drift, driftBand } from './drift';

describe('drift', () => {
  it('names the PSI bands', () => {
    expect(driftBand(0)).toBe('stable');
    expect(driftBand(0.0999)).toBe('stable');
    expect(driftBand(0.1)).toBe('moderate shift');
    expect(driftBand(0.25)).toBe('moderate shift');
    expect(driftBand(0.2501)).toBe('major shift');
  });

  it('computes Σ (a − e) ln(a / e) over the shares', () => {
    const expected = [50, 50];
    const actual = [60, 40];
    const psi = (0.6 - 0.5) * Math.log(0.6 / 0.5) + (0.4 - 0.5) * Math.log(0.4 / 0.5);
    expect(drift(expected, actual).psi).toBeCloseTo(psi, 12);
    expect(drift([10, 20, 30], [20, 40, 60])).toEqual({ psi: 0, band: 'stable' });
    expect(drift([100, 0], [0, 100]).band).toBe('major shift');
  });
});
