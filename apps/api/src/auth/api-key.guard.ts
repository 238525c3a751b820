import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyService, grants, type Principal, type Scope } from '@tagforge/auth';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { ANY_KEY_ROUTE, PUBLIC_ROUTE, REQUIRED_SCOPE, forbiddenMessage } from './require-scope.decorator';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

// What a route asks of a key, from its decorators.
interface RouteAccess {
  isPublic: boolean;
  required: Scope | undefined;
  anyKey: boolean;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  // Per handler: its decorators never change, and reading them is most of this guard's work.
  private readonly routes = new WeakMap<object, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { isPublic, required, anyKey } = this.accessOf(context);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,256})$/.exec(header) : null;
    if (!match) {
      throw new TagforgeException(
        ErrorCode.Unauthenticated,
        'send an API key as "Authorization: Bearer <key>"',
      );
    }
    const principal = await this.keys.verify(match[1]);
    if (!principal)
      throw new TagforgeException(ErrorCode.Unauthenticated, 'unknown, revoked or expired API key');
    if (!required && !anyKey)
      throw new TagforgeException(ErrorCode.Forbidden, 'this route declares no scope and is closed');
    if (required && !grants(principal.scopes, required)) {
      throw new TagforgeException(ErrorCode.Forbidden, forbiddenMessage(required));
    }
    request.principal = principal;
    return true;
  }

  private accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    let access = this.routes.get(handler);
    if (!access) {
      const targets = [handler, context.getClass()];
      access = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true,
        required: this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets),
        anyKey: this.reflector.getAllAndOverride<boolean>(ANY_KEY_ROUTE, targets) === true,
      };
      this.routes.set(handler, access);
    }
    return access;
  }
}
