import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';

// A caller's own request id is kept when it is a plain token; otherwise each request gets a UUID.
// Fastify stores it on the request, where the request log (request-log.ts) finds it.
export function requestIdOf(request: { headers: IncomingHttpHeaders }): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(incoming) ? incoming : randomUUID();
}

// Every answer names its request id, errors included.
export function registerRequestIdHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
}
