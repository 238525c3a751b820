import { audienceLabel, parseAudienceText } from './audience-text';

describe('audiences as text', () => {
  it('reads ids, category values and number bounds', () => {
    expect(parseAudienceText('do_not_market')).toEqual({ id: 'do_not_market' });
    expect(parseAudienceText('age_band=31_45')).toEqual({ id: 'age_band', value: '31_45' });
    expect(parseAudienceText('risk_score=10..40')).toEqual({ id: 'risk_score', min: 10, max: 40 });
    expect(parseAudienceText('risk_score=..40')).toEqual({ id: 'risk_score', max: 40 });
    expect(parseAudienceText('risk_score=-1.5..')).toEqual({ id: 'risk_score', min: -1.5 });
    expect(parseAudienceText('label=a..b')).toEqual({ id: 'label', value: 'a..b' });
    expect(parseAudienceText('risk_score=..')).toHaveProperty('problem');
    expect(parseAudienceText('age_band=')).toHaveProperty('problem');
  });

  it('writes them back the same way', () => {
    for (const text of ['do_not_market', 'age_band=31_45', 'risk_score=10..40', 'risk_score=..40']) {
      const parsed = parseAudienceText(text);
      if ('problem' in parsed) throw new Error(parsed.problem);
      expect(audienceLabel(parsed)).toBe(text);
    }
  });
});
