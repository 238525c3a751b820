import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseApiKey } from '@tagforge/auth';
import { createTestDatabase } from '../support/test-database';

// tagctl as an operator runs it (`npm test` builds dist/ first).
const TAGCTL = 'dist/apps/cli/src/main.js';

describe('tagctl keys', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const tagctl = (...args: string[]) =>
    execFileSync(process.execPath, [TAGCTL, ...args], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(async () => {
    expect(existsSync(TAGCTL)).toBe(true);
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('creates a key printed once, lists it without the secret, and revokes it', () => {
    const key = tagctl('keys', 'create', '--name', 'crm', '--scopes', 'tags:read,segments:read').trim();
    expect(key).toMatch(/^tfk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const listed = tagctl('keys', 'list');
    expect(listed).toMatch(/\tactive\tcrm\ttags:read,segments:read\t/);
    // The secret may itself contain '_', so it is read the way the API reads it.
    expect(listed).not.toContain(parseApiKey(key)!.secret);
    const id = listed
      .split('\n')
      .find((line) => line.includes('\tcrm\t'))!
      .split('\t')[0];
    expect(tagctl('keys', 'revoke', id)).toContain(`revoked ${id}`);
    expect(tagctl('keys', 'list')).toMatch(/\trevoked\tcrm\t/);
  });

  it('refuses unknown scopes with a clear message', () => {
    expect(() => tagctl('keys', 'create', '--name', 'x', '--scopes', 'everything')).toThrow(
      /unknown scopes: everything/,
    );
  });
});
