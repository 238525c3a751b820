import { HttpException } from '@nestjs/common';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { ErrorCode, HTTP_STATUS_BY_CODE, TagforgeException, type ErrorBody } from '@tagforge/common';

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.BadRequest,
  406: ErrorCode.NotAcceptable,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  422: ErrorCode.ValidationFailed,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

// Postgres down, restarting, refusing connections or timing a statement out: the client should retry.
const UNAVAILABLE_PG_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);
const UNAVAILABLE_MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

export interface MappedError {
  status: number;
  body: ErrorBody;
  unexpected: boolean;
}

export function mapError(error: unknown): MappedError {
  if (error instanceof TagforgeException) return shaped(error.code, error.message, error.details);
  const fastifyError = fastifyErrorOf(error);
  if (fastifyError) {
    if (fastifyError.statusCode === 413)
      return shaped(ErrorCode.PayloadTooLarge, 'the request body is larger than this route accepts');
    return shaped(STATUS_TO_CODE[fastifyError.statusCode] ?? ErrorCode.BadRequest, fastifyError.message);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_TO_CODE[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : error.message;
    return Array.isArray(message)
      ? shaped(code, 'the request is invalid', message, status)
      : shaped(code, String(message), undefined, status);
  }
  if (isDatabaseUnavailable(error)) {
    return shaped(ErrorCode.ServiceUnavailable, 'the database is unavailable; retry shortly');
  }
  return { ...shaped(ErrorCode.Internal, 'internal error'), unexpected: true };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM releases a transaction's query runner when its connection dies mid-transaction (a
  // Postgres shutdown terminates the session); the transaction's next statement then throws these.
  if (
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof QueryRunnerProviderAlreadyReleasedError
  )
    return true;
  const candidate = error as {
    code?: string;
    message?: string;
    driverError?: { code?: string; message?: string };
  };
  const code = candidate?.code ?? candidate?.driverError?.code;
  const message = `${candidate?.message ?? ''} ${candidate?.driverError?.message ?? ''}`;
  return (code !== undefined && UNAVAILABLE_PG_CODES.has(code)) || UNAVAILABLE_MESSAGES.test(message);
}

function shaped(
  code: ErrorCode,
  message: string,
  details?: unknown,
  status = HTTP_STATUS_BY_CODE[code],
): MappedError {
  return {
    status,
    body: { error: details === undefined ? { code, message } : { code, message, details } },
    unexpected: false,
  };
}

// Fastify's own refusals (body too large, bad Content-Length, a body on a method without one): a
// client error with its status, which the error handler would otherwise take for a failure.
function fastifyErrorOf(error: unknown): { statusCode: number; message: string } | null {
  if (!(error instanceof Error)) return null;
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  return typeof code === 'string' &&
    code.startsWith('FST_') &&
    typeof statusCode === 'number' &&
    statusCode >= 400 &&
    statusCode < 500
    ? { statusCode, message: error.message }
    : null;
}
