import { Writable } from 'node:stream';
import { testCommand } from './test.command';

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
  const code = testCommand(dir, options, out);
  return { code, lines: text.trimEnd().split('\n') };
}

describe('tagctl test', () => {
  it('passes every example of the shipped catalog', () => {
    const { code, lines } = run('tag-definitions', {});
    expect(lines).toEqual([expect.stringMatching(/^\d+ passed, 0 failed$/)]);
    expect(Number(lines[0].split(' ')[0])).toBeGreaterThan(300);
    expect(code).toBe(0);
  });

  it('prints each failure and ends with the counts', () => {
    const { code, lines } = run(`${FIXTURES}/failing-example`);
    const file = `${FIXTURES}/failing-example/tags/affluent.json`;
    expect(lines).toEqual([
      `FAIL ${file} /examples/1 affluent "AUM 400k (wrong expectation)": expected true, got false`,
      `FAIL ${file} /examples/2 affluent "profile with a typo": profile: /deposit unknown field 'deposit'`,
      '2 passed, 2 failed',
    ]);
    expect(code).toBe(1);
  });

  it('counts a definition file it cannot read as a failure', () => {
    const { code, lines } = run(`${FIXTURES}/bad-file`);
    expect(lines.at(-1)).toBe('0 passed, 2 failed');
    expect(code).toBe(1);
  });

  it('runs segment examples through their dependencies and fixed tags', () => {
    expect(run(`${FIXTURES}/valid`)).toEqual({ code: 0, lines: ['11 passed, 0 failed'] });
  });
});
