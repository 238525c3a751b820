import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { Scope } from '@tagforge/auth';
import { ErrorCode } from '@tagforge/common';
import { Refuses, errorResponse } from '../http/openapi';

export const REQUIRED_SCOPE = 'tagforge:required-scope';
export const PUBLIC_ROUTE = 'tagforge:public-route';

export const forbiddenMessage = (scope: Scope) => `this key lacks the "${scope}" scope`;

// Every /v1 route declares the scope it needs: the guard enforces it (a route without one is refused,
// fail closed), and OpenAPI shows it as x-required-scope and in the route's 403 answer. `alsoForbidden`
// names another reason the route answers 403.
export const RequireScope = (scope: Scope, alsoForbidden?: string) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    ApiExtension('x-required-scope', scope),
    ApiBearerAuth(),
    Refuses.unauthenticated(),
    errorResponse(
      403,
      ErrorCode.Forbidden,
      alsoForbidden ? `${forbiddenMessage(scope)}; or ${alsoForbidden}` : forbiddenMessage(scope),
    ),
  );
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
