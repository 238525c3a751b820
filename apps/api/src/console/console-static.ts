import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

// The console (apps/console) is built into dist/console; this file runs from dist/apps/api/src/console
// when built and from apps/api/src/console under jest.
const CANDIDATE_DIRS = [
  resolve(__dirname, '../../../../console'),
  resolve(__dirname, '../../../../dist/console'),
];
export const CONSOLE_DIR = CANDIDATE_DIRS.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;

// Vite puts content-hashed files under assets/: they never change, so browsers keep them for a year.
const IMMUTABLE = 'public, max-age=31536000, immutable';
// Everything the console loads comes from this origin; nothing from a CDN, no eval. No
// upgrade-insecure-requests: an intranet may serve the console over plain HTTP.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');
const FILE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

// Serves the console at /console without an API key (the pages hold no data; every call they make
// sends the signed-in key). Client routes (/console/customers/C1) fall back to index.html.
export async function registerConsole(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const root = CONSOLE_DIR;
  if (root === null) {
    const missing = (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(404).send({
        error: { code: 'NOT_FOUND', message: 'the console is not built here (npm run build builds it)' },
      });
    fastify.get('/console', missing);
    fastify.get('/console/*', missing);
    return;
  }
  await app.register(fastifyStatic, { root, serve: false });
  const index = (reply: FastifyReply) =>
    reply
      .header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .sendFile('index.html', root, { cacheControl: false });
  fastify.get('/console', (_request, reply) => reply.redirect('/console/', 301));
  fastify.get('/console/*', (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const path = request.params['*'];
    if (path === '' || path === 'index.html') return index(reply);
    if (FILE_PATH.test(path) && !path.split('/').includes('..') && existsSync(join(root, path))) {
      const hashed = path.startsWith('assets/');
      return reply
        .header('Cache-Control', hashed ? IMMUTABLE : 'no-cache')
        .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
        .sendFile(path, root, { cacheControl: false });
    }
    // A missing asset is a 404, a client route is the app.
    if (path.startsWith('assets/') || /\.[a-z0-9]+$/i.test(path)) {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no console file ${path}` } });
    }
    return index(reply);
  });
}
