import { once } from 'node:events';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { diffCommand, type DiffOptions, type DiffReport } from './diff.command';

const FIXTURES = 'test/fixtures/diff';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(options: Partial<DiffOptions> = {}, input?: Readable) {
  const stdout = sink();
  const stderr = sink();
  const code = await diffCommand(
    {
      definitions: `${FIXTURES}/draft`,
      against: `${FIXTURES}/baseline`,
      profiles: `${FIXTURES}/profiles.ndjson`,
      now: '2026-01-01T00:00:00Z',
      ...options,
    },
    {
      input: input ?? Readable.from([readFileSync(`${FIXTURES}/profiles.ndjson`, 'utf8')]),
      stdout: stdout.stream,
      stderr: stderr.stream,
    },
  );
  stdout.stream.end();
  stderr.stream.end();
  await Promise.all([once(stdout.stream, 'finish'), once(stderr.stream, 'finish')]);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function report(options: Partial<DiffOptions> = {}): Promise<DiffReport> {
  const { code, stdout } = await run({ ...options, json: true });
  expect(code).toBe(0);
  return JSON.parse(stdout) as DiffReport;
}

// The fixture profiles, before (baseline) -> after (draft):
//   C1 score 720, email, 150k deposits   good_score both, band A both, prime_offer both
//   C2 score 680, email                  good_score enters (threshold 700 -> 650), band B -> A, prime_offer enters
//   C3 score 660, no email               good_score enters, band B -> A, no prime_offer (no email)
//   C4 score 620, thin file              legacy_thin_file only (removed)
//   C5 score 550, income 0, 200k         debt_ratio: no value before, division by zero after; big_saver (added)
//   C6 score 710, thin file, email       good_score leaves (draft excludes thin files), prime_offer leaves
//   8  no bureau score, email            nothing changes
describe('tagctl diff', () => {
  it('counts who enters, leaves and changes value per tag, with samples', async () => {
    const { customers, skippedLines, tags } = await report();
    expect({ customers, skippedLines }).toEqual({ customers: 7, skippedLines: 2 });
    const byId = new Map(tags.map((tag) => [tag.tagId, tag]));
    expect(byId.get('good_score')).toEqual({
      tagId: 'good_score',
      setBefore: 2,
      set: 3,
      entered: 2,
      left: 1,
      changed: 0,
      enteredSample: ['C2', 'C3'],
      leftSample: ['C6'],
      errorsBefore: 0,
      errorsAfter: 0,
    });
    expect(byId.get('score_band')).toMatchObject({
      setBefore: 6,
      set: 6,
      entered: 0,
      left: 0,
      changed: 2,
      enteredSample: [],
      leftSample: [],
    });
  });

  it('shows the knock-on effect on a segment that reads a changed tag', async () => {
    const { tags } = await report();
    expect(tags.find((tag) => tag.tagId === 'prime_offer')).toMatchObject({
      setBefore: 2,
      set: 2,
      entered: 1,
      left: 1,
      enteredSample: ['C2'],
      leftSample: ['C6'],
    });
  });

  it('reports added and removed tags as entering and leaving everyone they set', async () => {
    const { added, removed, tags } = await report();
    expect({ added, removed }).toEqual({ added: ['big_saver'], removed: ['legacy_thin_file'] });
    const byId = new Map(tags.map((tag) => [tag.tagId, tag]));
    expect(byId.get('big_saver')).toMatchObject({
      setBefore: 0,
      set: 2,
      entered: 2,
      enteredSample: ['C1', 'C5'],
    });
    expect(byId.get('legacy_thin_file')).toMatchObject({
      setBefore: 2,
      set: 0,
      left: 2,
      leftSample: ['C4', 'C6'],
    });
  });

  it('counts rule errors per side and does not count them as leaving', async () => {
    const { tags } = await report();
    expect(tags.find((tag) => tag.tagId === 'debt_ratio')).toMatchObject({
      setBefore: 6,
      set: 6,
      entered: 0,
      left: 0,
      errorsBefore: 0,
      errorsAfter: 1,
    });
  });

  it('prints only the tags that differ, the largest first, and a summary line', async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(0);
    expect(stdout).not.toContain('has_email');
    expect(stdout).toContain(
      'compared 7 customers at 2026-01-01T00:00:00.000Z (2 lines skipped), 6 tags differ, 1 unchanged',
    );
    expect(stdout).toContain(
      ['good_score (boolean): set for 2 -> 3 customers', '  entered 2: C2, C3', '  left 1: C6'].join('\n'),
    );
    expect(stdout).toContain('big_saver (boolean, added): set for 0 -> 2 customers');
    expect(stdout).toContain('legacy_thin_file (boolean, removed): set for 2 -> 0 customers');
    expect(stdout).toContain('score_band (category): set for 6 -> 6 customers\n  changed value 2');
    expect(stdout).toContain(
      '  rule errors: 0 before, 1 after\n    first after: customer "C5": a number rule must give a finite number or null, got Infinity',
    );
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      '6 tags differ: good_score +2/-1, big_saver +2/-0 (added), legacy_thin_file +0/-2 (removed), ' +
        'prime_offer +1/-1, score_band +0/-0 ~2, debt_ratio +0/-0 errors 0->1',
    );
    expect(stderr).toContain('line 7: not JSON');
    expect(stderr).toContain('line 9: profile must be an object');
  });

  it('lists at most --list customer ids per tag', async () => {
    const { tags } = await report({ list: 1 });
    expect(tags.find((tag) => tag.tagId === 'good_score')).toMatchObject({
      entered: 2,
      enteredSample: ['C2'],
      leftSample: ['C6'],
    });
    const { stdout } = await run({ list: 1 });
    expect(stdout).toContain('  entered 2: C2, ... (first 1)');
  });

  it('says "no differences" when both folders agree', async () => {
    const { code, stdout } = await run({ against: `${FIXTURES}/draft` });
    expect(code).toBe(0);
    expect(stdout).toBe(
      'compared 7 customers at 2026-01-01T00:00:00.000Z (2 lines skipped), 0 tags differ, 6 unchanged\n\nno differences\n',
    );
    const { tags, summary } = await report({ against: `${FIXTURES}/draft` });
    expect({ tags, summary }).toEqual({ tags: [], summary: 'no differences' });
  });

  it('reads the profiles file as a stream', async () => {
    const { code, stdout } = await run({}, createReadStream(`${FIXTURES}/profiles.ndjson`));
    expect(code).toBe(0);
    expect(stdout).toContain('6 tags differ: good_score +2/-1');
  });

  it('exits 1 with the file and pointer of each problem for an invalid folder', async () => {
    const { code, stdout, stderr } = await run({ against: `${FIXTURES}/invalid` });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^error test\/fixtures\/diff\/invalid\/tags\/broken\.json \/rule\S* \w+: .*missing_tag/m,
    );
    expect(stderr).toContain(`diff: 1 errors in ${FIXTURES}/invalid; nothing compared`);
  });

  it('exits 1 for unreadable folders and files', async () => {
    expect(await run({ against: `${FIXTURES}/nowhere` })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining(`diff: cannot read ${FIXTURES}/nowhere: ENOENT`),
    });
    expect(await run({ schema: `${FIXTURES}/missing.schema.json` })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`diff: cannot read ${FIXTURES}/missing.schema.json`),
    });
    const missing = `${FIXTURES}/missing.ndjson`;
    expect(await run({ profiles: missing }, createReadStream(missing))).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining(`diff: cannot read ${missing}: ENOENT`),
    });
  });
});
