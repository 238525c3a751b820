import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { parsedBodyLength } from './body-parsers';

// PUT and PATCH replace or patch a profile: an empty body must not wipe one.
// A guard, not the body parser, so a request without a valid key still answers 401 first.
@Injectable()
export class RequireBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if ((request.method === 'PUT' || request.method === 'PATCH') && !parsedBodyLength(request)) {
      throw new TagforgeException(ErrorCode.BadRequest, 'a JSON body is required');
    }
    return true;
  }
}
