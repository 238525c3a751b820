import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

// helmet's headers with its defaults, worked out once: they are the same on every answer, and
// helmet as a middleware (through @fastify/middie) cost each request more than setting them.
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name] = String(value);
    },
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let failure: unknown;
  helmet()({ headers: {} } as never, response as never, (error?: unknown) => (failure = error));
  if (failure !== undefined) throw new Error(`helmet refused its defaults: ${String(failure)}`);
  return headers;
}

// Every answer carries them, errors and exports included (a route may still override one, as the
// console does its Content-Security-Policy).
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const headers = helmetHeaders();
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
