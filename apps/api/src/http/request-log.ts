import type { FastifyInstance } from 'fastify';
import type { AppLogger } from '@tagforge/common';

// Probes and scrapes are not worth a line each.
const QUIET_PATHS = new Set(['/health/live', '/metrics']);

// One line per answered request: id, method, path without the query string, status and duration;
// never headers (API keys), bodies (profiles) or query strings.
export function registerRequestLog(fastify: FastifyInstance, logger: AppLogger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    const level = failed ? 'error' : 'info';
    // Below LOG_LEVEL nothing is written, so nothing is worked out either.
    if (!logger.pino.isLevelEnabled(level)) {
      done();
      return;
    }
    // A one-time download link is a credential until used: its token is not logged either.
    const path = request.url.split('?')[0].replace(/^\/exports\/[^/]+/, '/exports/‹token›');
    if (!QUIET_PATHS.has(path)) {
      logger.pino[level](
        {
          req: { id: request.id, method: request.method, path },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        failed ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
