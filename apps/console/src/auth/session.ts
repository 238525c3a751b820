import type { components } from '../api/openapi';
// The API key lives in sessionStorage only: gone when the tab closes, never in a URL, never logged.
const STORAGE_KEY = 'tagforge.apiKey';

// The key's identity as GET /v1/auth/whoami documents it.
export type Identity = components['schemas']['WhoamiDto'];

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

// Any 401 (expired or revoked key) ends the session: the app returns to sign-in.
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function signOut(): void {
  forgetKey();
  for (const listener of signedOutListeners) listener();
}
