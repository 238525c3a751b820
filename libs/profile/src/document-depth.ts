import { type PathNode, pointerOf } from './json-pointer';
import { ProfileWriteError } from './profile-write-error';

// JSON.parse builds arbitrarily deep values without recursion (a 1 MB body can nest ~500k levels), but
// merging and diffing recurse. Profiles are a few levels deep, so anything past this is refused
// before recursing. The root container is level 1.
export const MAX_DOCUMENT_DEPTH = 64;

interface Frame {
  container: object;
  depth: number;
  path: PathNode | null;
}

// Iterative, so it is safe on any value JSON.parse can return.
export function assertMaxDepth(root: unknown): void {
  const stack: Frame[] = isContainer(root) ? [{ container: root, depth: 1, path: null }] : [];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > MAX_DOCUMENT_DEPTH) {
      throw new ProfileWriteError(
        'INVALID_DOCUMENT',
        pointerOf(frame.path),
        `document is nested deeper than ${MAX_DOCUMENT_DEPTH} levels`,
      );
    }
    for (const [token, value] of Object.entries(frame.container)) {
      if (isContainer(value)) {
        stack.push({ container: value, depth: frame.depth + 1, path: { parent: frame.path, token } });
      }
    }
  }
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
