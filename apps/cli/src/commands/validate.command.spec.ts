import { Writable } from 'node:stream';
import { validateCommand } from './validate.command';

const SCHEMA = { schema: 'tag-definitions/profile.schema.json' };
const FIXTURES = 'test/fixtures/catalog';

function run(dir: string, options: { schema?: string } = SCHEMA): { code: number; lines: string[] } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const code = validateCommand(dir, options, out);
  return { code, lines: text.trimEnd().split('\n') };
}

describe('tagctl validate', () => {
  it('passes the shipped catalog with no errors or warnings', () => {
    const { code, lines } = run('tag-definitions', {});
    expect(lines).toEqual([expect.stringMatching(/^\d+ definitions: 0 errors, 0 warnings$/)]);
    expect(code).toBe(0);
  });

  it('reports a file that is not JSON and one that breaks the file format', () => {
    const { code, lines } = run(`${FIXTURES}/bad-file`);
    expect(lines).toEqual([
      `error ${FIXTURES}/bad-file/tags/missing_kind.json "" invalid_definition: missing required field "kind"`,
      `error ${FIXTURES}/bad-file/tags/missing_kind.json /colour invalid_definition: unknown field "colour"`,
      expect.stringMatching(
        new RegExp(`^error ${FIXTURES}/bad-file/tags/not_json.json "" invalid_json: not valid JSON`),
      ),
      '2 definitions: 3 errors, 0 warnings',
    ]);
    expect(code).toBe(1);
  });

  it('points into the rule at an unknown path', () => {
    const { code, lines } = run(`${FIXTURES}/bad-rule`);
    expect(lines[0]).toBe(
      `error ${FIXTURES}/bad-rule/tags/unknown_path.json /rule/and/1/</0/var unknown_path: path "bureau.scroe" is not in the profile schema`,
    );
    expect(code).toBe(1);
  });

  it('names a cycle', () => {
    const { lines } = run(`${FIXTURES}/cycle`);
    expect(lines.filter((line) => line.includes(' cycle: '))).toEqual([
      `error ${FIXTURES}/cycle/tags/a.json /rule/var cycle: dependency cycle: a -> b -> c -> a`,
      `error ${FIXTURES}/cycle/tags/b.json /rule/and/0/var cycle: dependency cycle: a -> b -> c -> a`,
      `error ${FIXTURES}/cycle/tags/c.json /rule/!/var cycle: dependency cycle: a -> b -> c -> a`,
    ]);
  });

  it('refuses a marketing tag that reads bureau data', () => {
    const { code, lines } = run(`${FIXTURES}/purpose`);
    expect(lines[0]).toMatch(
      new RegExp(
        `^error ${FIXTURES}/purpose/tags/good_score_offer.json /rule/and/0/!!/var purpose_violation: purpose violation: `,
      ),
    );
    expect(code).toBe(1);
  });

  it('reports a duplicate id and an id that is not the file name', () => {
    const { lines } = run(`${FIXTURES}/duplicate`);
    expect(lines.filter((line) => line.startsWith('error'))).toEqual([
      `error ${FIXTURES}/duplicate/tags/opted_out.json /id duplicate_id: id "opted_out" is already defined in ${FIXTURES}/duplicate/segments/opted_out.json`,
      `error ${FIXTURES}/duplicate/tags/renamed.json /id id_mismatch: id "old_name" must equal the file name "renamed"`,
    ]);
  });

  it('reports a failing example as tagctl test does, naming it', () => {
    const { code, lines } = run(`${FIXTURES}/failing-example`);
    expect(lines).toContain(
      `error ${FIXTURES}/failing-example/tags/affluent.json /examples/1 example_failed: example "AUM 400k (wrong expectation)" expects true, got false`,
    );
    expect(code).toBe(1);
  });

  it('refuses a segment that reads the profile', () => {
    const { lines } = run(`${FIXTURES}/segment-reads-profile`);
    expect(lines[0]).toMatch(/ \/rule\/and\/0\/!!\/var segment_reads_profile: /);
  });
});
