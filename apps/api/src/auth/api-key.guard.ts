import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyService, grants, type Principal, type Scope } from '@tagforge/auth';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { ANY_KEY_ROUTE, PUBLIC_ROUTE, REQUIRED_SCOPE, forbiddenMessage } from './require-scope.decorator';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
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
    const anyKey = this.reflector.getAllAndOverride<boolean>(ANY_KEY_ROUTE, targets) === true;
    if (!required && !anyKey)
      throw new TagforgeException(ErrorCode.Forbidden, 'this route declares no scope and is closed');
    if (required && !grants(principal.scopes, required)) {
      throw new TagforgeException(ErrorCode.Forbidden, forbiddenMessage(required));
    }
    request.principal = principal;
    return true;
  }
}
