import {
  Catch,
  Logger,
  ServiceUnavailableException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { mapError } from './error-body';

// One place maps every failure to `{ "error": { code, message, details } }` and its status.
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const health = healthReport(exception);
    if (health) {
      // Readiness keeps terminus's report, which names the dependency that is down.
      void reply.status(503).send(health);
      return;
    }
    const mapped = mapError(exception);
    if (mapped.unexpected) {
      // The stack, never the request: request bodies may hold profile data.
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : 'non-error thrown',
      );
    }
    // A stream already under way (an export) cannot turn into an error answer: cut it off.
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (mapped.status === 503) void reply.header('Retry-After', '5');
    void reply.status(mapped.status).send(mapped.body);
  }
}

function healthReport(exception: unknown): object | null {
  if (!(exception instanceof ServiceUnavailableException)) return null;
  const body = exception.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body ? body : null;
}
