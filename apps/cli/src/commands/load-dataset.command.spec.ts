import { createReadStream, readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { ProfileValidator } from '@tagforge/profile';
import { loadDatasetCommand } from './load-dataset.command';

const validator = new ProfileValidator(
  JSON.parse(readFileSync('tag-definitions/profile.schema.json', 'utf8')) as object,
);

async function load(source: string, input: Readable): Promise<{ customerId: string; profile: object }[]> {
  const records: { customerId: string; profile: object }[] = [];
  let pending = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) records.push(JSON.parse(line) as { customerId: string; profile: object });
      done();
    },
  });
  await loadDatasetCommand({ source, file: '', now: '2026-01-01T00:00:00Z' }, input, out);
  return records;
}

describe('tagctl load-dataset', () => {
  it.each([
    ['uci', 'test/fixtures/datasets/UCI_Credit_Card.csv', 30_000, 'UCI-1'],
    ['bank', 'test/fixtures/datasets/bank-full.csv', 45_211, 'BANK-1'],
  ])(
    'maps every row of %s onto a valid profile',
    async (source, file, rows, firstId) => {
      const records = await load(source, createReadStream(file));
      expect(records).toHaveLength(rows);
      expect(records[0].customerId).toBe(firstId);
      const invalid = records.filter((record) => validator.validate(record.profile).length > 0);
      expect(invalid).toEqual([]);
    },
    60_000,
  );

  it('fails with the read error when the file is missing', async () => {
    await expect(load('uci', createReadStream('test/fixtures/datasets/missing.csv'))).rejects.toThrow(
      'ENOENT',
    );
  });

  it('refuses an unknown source', async () => {
    await expect(load('kaggle', Readable.from(['']))).rejects.toThrow('--source must be one of uci, bank');
  });
});
