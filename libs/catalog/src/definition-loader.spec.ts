import { loadDefinitionsFolder, loadJsonFile } from './definition-loader';

describe('loadDefinitionsFolder', () => {
  it('reads every *.json recursively, in a stable order, and skips nothing else', () => {
    const files = loadDefinitionsFolder('test/fixtures/catalog/valid').map((file) => file.file);
    expect(files).toEqual([
      'test/fixtures/catalog/valid/segments/senior_offer.json',
      'test/fixtures/catalog/valid/tags/card_limit.json',
      'test/fixtures/catalog/valid/tags/risky.json',
      'test/fixtures/catalog/valid/tags/score_band.json',
      'test/fixtures/catalog/valid/tags/senior.json',
    ]);
  });

  it('leaves out *.schema.json', () => {
    const files = loadDefinitionsFolder('tag-definitions').map((file) => file.file);
    expect(files.some((file) => file.endsWith('.schema.json'))).toBe(false);
    expect(files).toContain('tag-definitions/segments/do_not_market.json');
  });

  it('keeps a file that is not JSON, with the parse error', () => {
    const broken = loadDefinitionsFolder('test/fixtures/catalog/bad-file').find((file) =>
      file.file.endsWith('not_json.json'),
    );
    expect(broken).toEqual(expect.objectContaining({ content: undefined, parseError: expect.any(String) }));
  });
});

describe('loadJsonFile', () => {
  it('names the path when it cannot read', () => {
    expect(() => loadJsonFile('test/fixtures/catalog/nowhere.json')).toThrow(
      'test/fixtures/catalog/nowhere.json',
    );
  });
});
