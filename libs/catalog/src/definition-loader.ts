import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TagDefinitionFile } from './tag-definition';

// The only module of the catalog that touches the file system.

/** Every `*.json` under `dir` (recursively) except `*.schema.json`, in a stable order. */
export function loadDefinitionsFolder(dir: string): TagDefinitionFile[] {
  return definitionPaths(dir).map(readDefinitionFile);
}

function definitionPaths(dir: string): string[] {
  const paths: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) paths.push(...definitionPaths(path));
    else if (entry.isFile() && entry.name.endsWith('.json') && !entry.name.endsWith('.schema.json'))
      paths.push(path);
  }
  return paths;
}

function readDefinitionFile(file: string): TagDefinitionFile {
  const text = readFileSync(file, 'utf8');
  try {
    return { file, content: JSON.parse(text) as unknown };
  } catch (error) {
    return { file, content: undefined, parseError: (error as Error).message };
  }
}

/** Reads a JSON document such as profile.schema.json; throws with the path when it cannot. */
export function loadJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}
