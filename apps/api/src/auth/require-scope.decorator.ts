import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Scope } from '@tagforge/auth';

export const REQUIRED_SCOPE = 'tagforge:required-scope';
export const PUBLIC_ROUTE = 'tagforge:public-route';
export const ANY_KEY_ROUTE = 'tagforge:any-key-route';

// Every /v1 route declares the scope it needs (also shown in OpenAPI as x-required-scope);
// a route without one is refused (fail closed).
export const RequireScope = (scope: Scope) =>
  applyDecorators(SetMetadata(REQUIRED_SCOPE, scope), ApiExtension('x-required-scope', scope));
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
// A route any valid key may call, whatever its scopes (GET /v1/auth/whoami).
export const RequireAnyKey = () =>
  applyDecorators(SetMetadata(ANY_KEY_ROUTE, true), ApiExtension('x-required-scope', 'any'));
