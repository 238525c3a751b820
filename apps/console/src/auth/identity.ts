import { createContext, useContext } from 'react';
import { grants, type Scope } from './scopes';
import type { Identity } from './session';

export const IdentityContext = createContext<Identity | null>(null);

export function useIdentity(): Identity {
  const identity = useContext(IdentityContext);
  if (!identity) throw new Error('useIdentity outside a signed-in session');
  return identity;
}

export function useGrants(scope: Scope): boolean {
  return grants(useIdentity().scopes, scope);
}
