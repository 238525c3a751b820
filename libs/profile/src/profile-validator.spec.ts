import { ProfileValidator } from './profile-validator';

// A small stand-in for tag-definitions/profile.schema.json with the same shape of rules.
const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    asOf: { type: 'object', additionalProperties: { type: 'string', format: 'date-time' } },
    demographics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        gender: { enum: ['male', 'female'] },
        cityTier: { type: 'integer', minimum: 1, maximum: 4 },
        children: { type: ['integer', 'null'] },
      },
    },
    bureau: {
      type: 'object',
      additionalProperties: false,
      properties: {
        asOf: { type: 'string', format: 'date-time' },
        score: { type: 'integer', minimum: 300, maximum: 850 },
        reportDate: { type: 'string', format: 'date' },
        purpose: { const: 'risk' },
      },
    },
    loans: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { enum: ['mortgage', 'car'] }, outstanding: { type: 'number', minimum: 0 } },
      },
    },
  },
};

describe('ProfileValidator', () => {
  const validator = new ProfileValidator(schema);

  it('accepts a valid profile', () => {
    const profile = {
      asOf: { loans: '2024-05-01T10:00:00+08:00' },
      demographics: { gender: 'female', cityTier: 1, children: null },
      bureau: { asOf: '2024-05-01T00:00:00Z', score: 720, reportDate: '2024-04-30' },
      loans: [{ type: 'car', outstanding: 1200.5 }],
    };
    expect(validator.validate(profile)).toEqual([]);
  });

  it('points at wrong types', () => {
    expect(validator.validate({ bureau: { score: '700' }, demographics: { children: 'two' } })).toEqual([
      { pointer: '/demographics/children', message: 'must be integer or null', keyword: 'type' },
      { pointer: '/bureau/score', message: 'must be integer', keyword: 'type' },
    ]);
  });

  it('explains out-of-range numbers', () => {
    expect(validator.validate({ bureau: { score: 299 }, loans: [{ type: 'car', outstanding: -1 }] })).toEqual(
      [
        { pointer: '/bureau/score', message: 'must be >= 300', keyword: 'minimum' },
        { pointer: '/loans/0/outstanding', message: 'must be >= 0', keyword: 'minimum' },
      ],
    );
    expect(validator.validate({ demographics: { cityTier: 5 } })).toEqual([
      { pointer: '/demographics/cityTier', message: 'must be <= 4', keyword: 'maximum' },
    ]);
  });

  it('names unknown fields at their own pointer', () => {
    expect(validator.validate({ bureau: { scroe: 700 }, 'odd/name': 1 })).toEqual([
      { pointer: '/odd~1name', message: "unknown field 'odd/name'", keyword: 'additionalProperties' },
      { pointer: '/bureau/scroe', message: "unknown field 'scroe'", keyword: 'additionalProperties' },
    ]);
  });

  it('explains bad formats', () => {
    expect(
      validator.validate({
        asOf: { loans: '2024-05-01 10:00' },
        bureau: { asOf: '2024-05-01T10:00:00', reportDate: '2024-02-30' },
      }),
    ).toEqual([
      { pointer: '/asOf/loans', message: 'must be a valid date-time', keyword: 'format' },
      { pointer: '/bureau/asOf', message: 'must be a valid date-time', keyword: 'format' },
      { pointer: '/bureau/reportDate', message: 'must be a valid date', keyword: 'format' },
    ]);
  });

  it('lists allowed values and names missing fields', () => {
    expect(
      validator.validate({ demographics: { gender: 'x' }, bureau: { purpose: 'marketing' }, loans: [{}] }),
    ).toEqual([
      { pointer: '/demographics/gender', message: 'must be one of "male", "female"', keyword: 'enum' },
      { pointer: '/bureau/purpose', message: 'must be "risk"', keyword: 'const' },
      { pointer: '/loans/0/type', message: "missing required field 'type'", keyword: 'required' },
    ]);
  });

  it('refuses a document that is not an object', () => {
    expect(validator.validate([])).toEqual([{ pointer: '', message: 'must be object', keyword: 'type' }]);
  });

  it('does not modify the document', () => {
    const document = { bureau: { score: '700', extra: true } };
    validator.validate(document);
    expect(document).toStrictEqual({ bureau: { score: '700', extra: true } });
  });

  it('fails at construction on a broken schema', () => {
    expect(() => new ProfileValidator({ type: 'object', properties: { a: { type: 'integr' } } })).toThrow();
  });
});
