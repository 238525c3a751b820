import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { evaluateCommand, type EvaluateOptions } from './evaluate.command';

const VALID = 'test/fixtures/catalog/valid';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      setImmediate(done);
    },
  });
  return { stream, text: () => text };
}

async function run(options: Partial<EvaluateOptions>, input: string) {
  const stdout = sink();
  const stderr = sink();
  const code = await evaluateCommand(
    {
      definitions: VALID,
      profiles: '-',
      schema: 'tag-definitions/profile.schema.json',
      now: '2026-01-01T00:00:00Z',
      ...options,
    },
    { input: Readable.from([input]), stdout: stdout.stream, stderr: stderr.stream },
  );
  // Let the slow sinks take everything the command wrote before reading them.
  stdout.stream.end();
  stderr.stream.end();
  await Promise.all([once(stdout.stream, 'finish'), once(stderr.stream, 'finish')]);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('tagctl evaluate', () => {
  it('writes one line per good input line, in order, and reports bad lines with their number', async () => {
    const { code, stdout, stderr } = await run({}, readFileSync(`${VALID}/profiles.ndjson`, 'utf8'));
    const expected = readFileSync(`${VALID}/expected.ndjson`, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(expected);
    expect(stderr).toContain('line 4: not JSON');
    expect(stderr).toContain(
      `line 5: customer "A3": profile /demographics/shoeSize unknown field 'shoeSize'`,
    );
    expect(stderr).toContain('line 6: profile must be an object');
    expect(stderr).toContain('evaluate: 3 customers, 3 lines skipped, 0 tag errors');
    expect(code).toBe(0);
  });

  it('keeps going after a tag error, reporting it with the customer id', async () => {
    const { stdout, stderr } = await run(
      { definitions: 'test/fixtures/catalog/evaluate-errors' },
      '{"customerId": "E1", "profile": {"demographics": {"occupation": "retired"}}}\n',
    );
    expect(JSON.parse(stdout)).toEqual({ customerId: 'E1', tags: { retired: true } });
    expect(stderr).toMatch(
      /^customer "E1": tag occupation_code: a category rule must give a string or null/m,
    );
  });

  it('accepts any path with an empty profile schema', async () => {
    const { code, stdout } = await run(
      {
        definitions: 'test/fixtures/catalog/any-path',
        schema: 'test/fixtures/catalog/any-path/empty.schema.json',
      },
      '{"customerId": "X", "profile": {"crm": {"vip": true}}}\n',
    );
    expect(JSON.parse(stdout)).toEqual({ customerId: 'X', tags: { vip: true } });
    expect(code).toBe(0);
  });

  it('evaluates nothing when the catalog has errors', async () => {
    const { code, stdout, stderr } = await run(
      { definitions: 'test/fixtures/catalog/cycle' },
      '{"customerId": 1, "profile": {}}\n',
    );
    expect(stdout).toBe('');
    expect(stderr).toContain('cycle: dependency cycle: a -> b -> c -> a');
    expect(code).toBe(1);
  });

  it('prints the current time once when --now is left out', async () => {
    const { stderr } = await run({ now: undefined }, '');
    expect(stderr).toMatch(/^evaluate: --now \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
  });

  it('waits for a slow stdout instead of buffering everything', async () => {
    const input = Array.from(
      { length: 2000 },
      (_, i) => `{"customerId": ${i}, "profile": {"bureau": {"score": 550}}}`,
    ).join('\n');
    const { stdout } = await run({}, input);
    expect(stdout.trimEnd().split('\n')).toHaveLength(2000);
  });
});
