import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST } from '../reliability/support/settings';
import { say } from '../reliability/support/scenario-kit';

const CONSOLE_DIR = join(DIST, 'console');
const INITIAL_JS_BUDGET_KB = 500;

// URLs that appear in the bundle as names, never fetched: XML namespaces, JSON Schema ids, and the
// documentation links inside React's and React Router's error messages. Any other URL fails.
const IDENTIFIERS = [
  /^http:\/\/www\.w3\.org\/(1998\/Math\/MathML|1999\/xhtml|1999\/xlink|2000\/svg|2000\/xmlns\/|XML\/1998\/namespace)/,
  /^https:\/\/json-schema\.org\/draft\//,
  /^https:\/\/tagforge\.dev\/schemas\//,
  /^https:\/\/react\.dev\/(errors|link)\//,
  /^https:\/\/reactrouter\.com\//,
  /^http:\/\/localhost$/,
];

function builtFiles(): string[] {
  const assets = readdirSync(join(CONSOLE_DIR, 'assets')).map((file) => join('assets', file));
  return ['index.html', ...assets];
}

describe('the built console', () => {
  test('references no external URL: no CDN, font or script from outside', () => {
    const offending: string[] = [];
    for (const file of builtFiles()) {
      if (!/\.(html|js|css)$/.test(file)) continue;
      const text = readFileSync(join(CONSOLE_DIR, file), 'utf8');
      for (const match of text.matchAll(
        /(?:https?:)?\/\/[a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-z]{2,}[^\s"'`)<>]*/g,
      )) {
        const url = match[0];
        if (url.startsWith('//') && !/^\/\/(cdn|fonts|unpkg|at\.alicdn|gw\.alipayobjects)/.test(url))
          continue;
        if (!IDENTIFIERS.some((allowed) => allowed.test(url))) offending.push(`${file}: ${url}`);
      }
      if (file.endsWith('.html') || file.endsWith('.css')) {
        // Pages and styles load nothing but their own files.
        for (const match of text.matchAll(/(?:src|href)="([^"]+)"|url\(\s*['"]?([^'")]+)/g)) {
          const target = match[1] ?? match[2];
          if (!/^(\/console\/|data:|#)/.test(target)) offending.push(`${file}: loads ${target}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });

  test(`initial JavaScript is at most ${INITIAL_JS_BUDGET_KB} KB gzipped; the editor and charts are chunks of their own`, () => {
    const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map(
      (match) => match[1],
    );
    expect(initial.length).toBeGreaterThan(0);
    const gzipped = (file: string) => gzipSync(readFileSync(join(CONSOLE_DIR, file))).length / 1024;
    const initialKb = initial.reduce((sum, file) => sum + gzipped(file), 0);
    const chunks = builtFiles().filter((file) => file.endsWith('.js'));
    const editor = chunks.filter((file) => /JsonEditor-/.test(file));
    const chart = chunks.filter((file) => /Chart-/.test(file));
    expect(editor).toHaveLength(1);
    expect(chart).toHaveLength(1);
    expect(initial.some((file) => editor.includes(file) || chart.includes(file))).toBe(false);
    const totalKb = chunks.reduce((sum, file) => sum + gzipped(file), 0);
    say(
      'console',
      `initial JS ${initialKb.toFixed(1)} KB gzipped (${initial.join(', ')}); editor ${gzipped(editor[0]).toFixed(1)} KB, charts ${gzipped(chart[0]).toFixed(1)} KB, all ${chunks.length} chunks ${totalKb.toFixed(1)} KB`,
    );
    expect(initialKb).toBeLessThanOrEqual(INITIAL_JS_BUDGET_KB);
  });
});
