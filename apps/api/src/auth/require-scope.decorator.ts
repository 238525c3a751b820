import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { Scope } from '@tagforge/auth';
import { ErrorCode } from '@tagforge/common';
import { Refuses, errorResponse } from '../http/openapi';

export const REQUIRED_SCOPE = 'tagforge:required-scope';
export const PUBLIC_ROUTE = 'tagforge:public-route';
export const ANY_KEY_ROUTE = 'tagforge:any-key-route';

export const forbiddenMessage = (scope: Scope) => `this key lacks the "${scope}" scope`;

// Every /v1 route declares the scope it needs: the guard enforces it (a route without one is refused,
// fail closed), and OpenAPI shows it as x-required-scope and in the route's 403 answer, beside the
// answers every keyed route can give (401, 429). `alsoForbidden` names another reason for a 403.
// What every keyed route can answer besides its own: 401, and 429 as every key's requests are rate
// limited (RATE_LIMIT_PER_SECOND).
const KEYED = () =>
  applyDecorators(
    ApiBearerAuth(),
    Refuses.unauthenticated(),
    errorResponse(429, ErrorCode.RateLimited, 'too many requests; retry later (see Retry-After)'),
  );

export const RequireScope = (scope: Scope, alsoForbidden?: string) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    ApiExtension('x-required-scope', scope),
    KEYED(),
    errorResponse(
      403,
      ErrorCode.Forbidden,
      alsoForbidden ? `${forbiddenMessage(scope)}; or ${alsoForbidden}` : forbiddenMessage(scope),
    ),
  );
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
// The x-required-scope of a route any valid key may call, whatever its scopes: it has no 403.
export const ANY_KEY = 'any';
export const RequireAnyKey = () =>
  applyDecorators(SetMetadata(ANY_KEY_ROUTE, true), ApiExtension('x-required-scope', ANY_KEY), KEYED());
