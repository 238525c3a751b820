import {
  Catch,
  Logger,
  ServiceUnavailableException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { mapError } from './error-body';

// One place maps every failure to `{ "error": { code, message, details } }` and its status.
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const health = healthReport(exception);
    if (health) {
      // Readiness keeps terminus's report, which names the dependency that is down.
      response.status(503).json(health);
      return;
    }
    const mapped = mapError(exception);
    if (mapped.unexpected) {
      // The stack, never the request: request bodies may hold profile data.
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : 'non-error thrown',
      );
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (mapped.status === 503) response.setHeader('Retry-After', '5');
    response.status(mapped.status).json(mapped.body);
  }
}

function healthReport(exception: unknown): object | null {
  if (!(exception instanceof ServiceUnavailableException)) return null;
  const body = exception.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body ? body : null;
}
