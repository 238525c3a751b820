import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConfigError, PUBLIC_BOOTSTRAP_KEYS, loadConfig, weakBootstrapKey } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tagforge',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      LOG_LEVEL: 'info',
    });
  });

  it('reads the replica URL and the cluster seeds when given', () => {
    expect(
      loadConfig({
        DATABASE_READ_URL: 'postgres://postgres@127.0.0.1:5544/tagforge',
        REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis-2.internal:7001',
      }),
    ).toMatchObject({
      DATABASE_READ_URL: 'postgres://postgres@127.0.0.1:5544/tagforge',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis-2.internal:7001',
    });
    expect(loadConfig({})).toMatchObject({ DATABASE_READ_URL: undefined, REDIS_CLUSTER_NODES: undefined });
  });

  it('converts numbers and keeps given values', () => {
    expect(loadConfig({ PORT: '8080', LOG_LEVEL: 'debug' })).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: 'debug',
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://localhost'],
    ['LOG_LEVEL', 'loud'],
    ['BOOTSTRAP_API_KEY', 'short'],
    ['DATABASE_READ_URL', 'mysql://replica'],
    ['REDIS_CLUSTER_NODES', 'redis://127.0.0.1:7000'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1:7000,'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });
});

describe('the bootstrap key in production', () => {
  const strong = '9f1c4e7a2b8d0c3f6e5a7b9d1c2e4f608a7b6c5d4e3f2a1b';

  it('refuses a key from the repository, a short one and one that is not random, without printing it', () => {
    for (const key of [
      ...PUBLIC_BOOTSTRAP_KEYS,
      'x'.repeat(24) + 'abcdefgh',
      'abababababababababababababababababab',
    ]) {
      expect(() => loadConfig({ NODE_ENV: 'production', BOOTSTRAP_API_KEY: key })).toThrow(ConfigError);
      try {
        loadConfig({ NODE_ENV: 'production', BOOTSTRAP_API_KEY: key });
      } catch (error) {
        expect((error as Error).message).toMatch(/BOOTSTRAP_API_KEY/);
        expect((error as Error).message).not.toContain(key);
      }
    }
    expect(loadConfig({ NODE_ENV: 'production', BOOTSTRAP_API_KEY: strong }).BOOTSTRAP_API_KEY).toBe(strong);
    expect(loadConfig({ NODE_ENV: 'production' }).BOOTSTRAP_API_KEY).toBeUndefined();
    // Elsewhere the dev key stays a convenience.
    expect(
      loadConfig({ NODE_ENV: 'development', BOOTSTRAP_API_KEY: PUBLIC_BOOTSTRAP_KEYS[1] }),
    ).toBeDefined();
    expect(weakBootstrapKey(strong)).toBeNull();
  });

  it('knows every key written in the repository', () => {
    const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' })
      .split('\n')
      .filter(
        (file) =>
          /\.(ts|js|json|ya?ml|md|sh)$|(^|\/)run$/.test(file) &&
          !file.includes('fixtures/datasets') &&
          file !== 'libs/common/src/config.spec.ts',
      );
    const patterns = [
      /BOOTSTRAP_API_KEY:-([^}\s]+)\}/g,
      /BOOTSTRAP_KEY = '([^']+)'/g,
      /^KEY=([\w-]{16,})$/gm,
      /BOOTSTRAP_API_KEY[=:] *'([\w-]{16,})'/g,
    ];
    const found = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.add(match[1]);
    }
    // The scan sees the keys it must (the README's dev key, the tests' key): it reads the files.
    expect([...found]).toEqual(
      expect.arrayContaining(['tagforge-local-dev-key-change-me', 'test-bootstrap-key-0123456789abcdef']),
    );
    expect([...found].filter((key) => !PUBLIC_BOOTSTRAP_KEYS.includes(key))).toEqual([]);
  });
});
