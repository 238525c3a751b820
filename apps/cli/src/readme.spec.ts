import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { AppConfig } from '@tagforge/common';
import { program } from './main';

const ROOT = join(__dirname, '../../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

// `| \`NAME\` | default | meaning |` rows of the README's configuration table.
function configurationTable(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readme.split('\n')) {
    const match = /^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/.exec(line);
    if (match) rows.set(match[1], match[2].trim());
  }
  return rows;
}

function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README', () => {
  it('lists every variable the configuration reads, with its default', () => {
    const defaults = new AppConfig() as unknown as Record<string, unknown>;
    const table = configurationTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(defaults).sort());
    for (const [name, documented] of table) {
      const value = defaults[name];
      expect({ name, documented }).toEqual({
        name,
        documented: value === undefined ? '—' : `\`${String(value)}\``,
      });
    }
  });

  it('names every tagctl command', () => {
    const text = section('tagctl');
    const commands = program.commands.map((command) => command.name());
    expect(commands.length).toBeGreaterThan(10);
    for (const name of commands)
      expect({ name, listed: text.includes(`\`${name}`) }).toEqual({ name, listed: true });
  });

  it('states a Node version that every installed dependency accepts', () => {
    const engines = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const stated = /Node\.js (\d+\.\d+)\+/.exec(readme)?.[1];
    expect(`>=${stated}`).toBe(engines);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const lowest = semver.minVersion(engines)!.version;
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => {
        const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return path !== '' && node !== undefined && !semver.satisfies(lowest, node);
      })
      .map(([path, entry]) => `${path}@${entry.version}`);
    expect(refusing).toEqual([]);
  });
});
