import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@tagforge/auth';
import type { AuthenticatedRequest } from './api-key.guard';

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
