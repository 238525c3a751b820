import { redactSections } from './redact-sections';

describe('redactSections', () => {
  it('copies the profile without the hidden sections and leaves the input alone', () => {
    const profile = { deposits: { balance: 1 }, bureau: { score: 700 }, loans: [] };
    expect(redactSections(profile, ['bureau', 'digital'])).toStrictEqual({
      deposits: { balance: 1 },
      loans: [],
    });
    expect(profile).toHaveProperty('bureau');
  });

  it('keeps a __proto__ section as data', () => {
    const redacted = redactSections(JSON.parse('{"__proto__":{"x":1},"bureau":{}}'), ['bureau']);
    expect(Object.keys(redacted)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
  });
});
