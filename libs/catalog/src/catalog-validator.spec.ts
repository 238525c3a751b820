import { loadJsonFile } from './definition-loader';
import { validateCatalog } from './catalog-validator';
import type { TagDefinitionFile } from './tag-definition';

const profileSchema = loadJsonFile('tag-definitions/profile.schema.json');

function tag(id: string, rule: unknown, extra: Record<string, unknown> = {}): TagDefinitionFile {
  return {
    file: `tags/${id}.json`,
    content: { id, name: id, kind: 'boolean', purpose: 'risk', category: 'credit_risk', rule, ...extra },
  };
}

const examples = [
  { name: 'set', profile: { bureau: { dishonestDebtor: true } }, expect: true },
  { name: 'unset', profile: {}, expect: false },
];

describe('validateCatalog', () => {
  it('accepts a sound catalog without warnings', () => {
    const files = [
      tag('dishonest', { '===': [{ var: 'bureau.dishonestDebtor' }, true] }, { examples }),
      tag('blocked', { var: 'tags.dishonest' }, { examples }),
    ];
    expect(validateCatalog(files, profileSchema)).toEqual({ errors: [], warnings: [] });
  });

  it('reports a file that is not JSON', () => {
    const { errors } = validateCatalog([{ file: 'tags/x.json', content: undefined, parseError: 'boom' }], {});
    expect(errors).toEqual([
      { file: 'tags/x.json', pointer: '', code: 'invalid_json', message: 'not valid JSON: boom' },
    ]);
  });

  it('reports file-format problems with pointers', () => {
    const file = tag('x', true, { kind: 'flag', colour: 'blue' });
    const { errors } = validateCatalog([file], profileSchema);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/kind', code: 'invalid_definition' }),
        expect.objectContaining({
          pointer: '/colour',
          code: 'invalid_definition',
          message: 'unknown field "colour"',
        }),
      ]),
    );
  });

  it('refuses a null rule', () => {
    const { errors } = validateCatalog([tag('x', null)], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ pointer: '/rule', message: 'must be a JSON Logic rule, not null' }),
    ]);
  });

  it('checks expected values against the kind', () => {
    const file = tag('x', true, { examples: [{ name: 'wrong type', profile: {}, expect: 'yes' }] });
    const { errors } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ pointer: '/examples/0/expect', code: 'invalid_definition' }),
    ]);
  });

  it('requires the id to equal the file name, and ids to be unique', () => {
    const rule = { '===': [{ var: 'bureau.dishonestDebtor' }, true] };
    const first = tag('same', rule, { examples });
    const second = { ...tag('same', rule, { examples }), file: 'segments/same.json' };
    const renamed = { ...tag('old', rule, { examples }), file: 'tags/new.json' };
    const { errors } = validateCatalog([first, second, renamed], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ file: 'segments/same.json', pointer: '/id', code: 'duplicate_id' }),
      expect.objectContaining({ file: 'tags/new.json', pointer: '/id', code: 'id_mismatch' }),
    ]);
    expect(errors[0].message).toContain('tags/same.json');
  });

  it('prefixes rule problems with /rule', () => {
    const file = tag('x', {
      and: [{ '!!': { var: 'bureau.score' } }, { '<': [{ var: 'bureau.scroe' }, 580] }],
    });
    const { errors } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'tags/x.json',
        id: 'x',
        pointer: '/rule/and/1/</0/var',
        code: 'unknown_path',
      }),
    ]);
  });

  it('reports references to unknown tags', () => {
    const { errors } = validateCatalog([tag('x', { var: 'tags.nope' })], profileSchema);
    expect(errors).toEqual([expect.objectContaining({ pointer: '/rule/var', code: 'unknown_tag' })]);
  });

  it('names a dependency cycle on every member', () => {
    const files = [tag('a', { var: 'tags.b' }), tag('b', { '!': { var: 'tags.a' } })];
    const cycles = validateCatalog(files, profileSchema).errors.filter((problem) => problem.code === 'cycle');
    expect(cycles).toEqual([
      expect.objectContaining({ id: 'a', pointer: '/rule/var', message: 'dependency cycle: a -> b -> a' }),
      expect.objectContaining({ id: 'b', pointer: '/rule/!/var', message: 'dependency cycle: a -> b -> a' }),
    ]);
  });

  it('turns a marketing read of bureau data into a purpose violation', () => {
    const file = tag(
      'x',
      { '===': [{ var: 'bureau.dishonestDebtor' }, true] },
      { purpose: 'marketing', examples },
    );
    const { errors, warnings } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ pointer: '/rule/===/0/var', code: 'purpose_violation' }),
    ]);
    expect(errors[0].message).toMatch(/^purpose violation: /);
    expect(warnings).toEqual([]);
  });

  it('lets a marketing tag read a risk tag that reads the bureau', () => {
    const files = [
      tag('dishonest', { '===': [{ var: 'bureau.dishonestDebtor' }, true] }, { examples }),
      tag('suppress', { var: 'tags.dishonest' }, { purpose: 'marketing', examples }),
    ];
    expect(validateCatalog(files, profileSchema).errors).toEqual([]);
  });

  it('refuses a segment that reads the profile', () => {
    const file = {
      file: 'segments/s.json',
      content: {
        id: 's',
        name: 's',
        kind: 'segment',
        purpose: 'marketing',
        category: 'segment',
        rule: { var: 'marketing.optOut' },
      },
    };
    const { errors } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ pointer: '/rule/var', code: 'segment_reads_profile' }),
    ]);
  });

  it('validates example profiles against the profile schema', () => {
    const file = tag(
      'x',
      { '===': [{ var: 'bureau.dishonestDebtor' }, true] },
      {
        examples: [...examples, { name: 'typo', profile: { bureua: {} }, expect: true }],
      },
    );
    const { errors } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ pointer: '/examples/2/profile/bureua', code: 'invalid_example' }),
    ]);
  });

  it('refuses an example instant that is not a date-time', () => {
    const file = tag('x', true, {
      examples: [{ name: 'bad now', profile: {}, now: '2026-02-30T00:00:00Z', expect: true }],
    });
    const { errors } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([
      expect.objectContaining({ pointer: '/examples/0/now', code: 'invalid_definition' }),
    ]);
  });

  it('warns about missing contrast in examples and about unguarded comparisons', () => {
    const file = tag(
      'x',
      { '<': [{ var: 'bureau.score' }, 580] },
      { examples: [{ name: 'good score', profile: { bureau: { score: 700 } }, expect: false }] },
    );
    const { errors, warnings } = validateCatalog([file], profileSchema);
    expect(errors).toEqual([]);
    expect(warnings.map((warning) => [warning.pointer, warning.code])).toEqual([
      ['/rule/</0', 'unguarded_comparison'],
      ['/examples', 'examples_incomplete'],
    ]);
  });

  it('runs the examples with their dependencies, and a failing one is an error naming it', () => {
    const files = [
      tag('dishonest', { '===': [{ var: 'bureau.dishonestDebtor' }, true] }, { examples }),
      tag('blocked', { '!': { var: 'tags.dishonest' } }, { examples }),
    ];
    expect(validateCatalog(files, profileSchema).errors).toEqual([
      {
        file: 'tags/blocked.json',
        id: 'blocked',
        pointer: '/examples/0',
        code: 'example_failed',
        message: 'example "set" expects true, got false',
      },
      {
        file: 'tags/blocked.json',
        id: 'blocked',
        pointer: '/examples/1',
        code: 'example_failed',
        message: 'example "unset" expects false, got true',
      },
    ]);
    expect(validateCatalog(files, profileSchema, { examplesOf: () => false }).errors).toEqual([]);
  });

  it('accepts any path with the empty schema', () => {
    const file = tag(
      'x',
      { '===': [{ var: 'anything.at.all' }, true] },
      {
        examples: [
          { name: 'set', profile: { anything: { at: { all: true } } }, expect: true },
          { name: 'unset', profile: {}, expect: false },
        ],
      },
    );
    expect(validateCatalog([file], {})).toEqual({ errors: [], warnings: [] });
  });
});
