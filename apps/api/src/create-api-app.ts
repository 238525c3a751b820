import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppConfig, AppLogger, loadConfig } from '@tagforge/common';
import { AppModule } from './app.module';
import { registerConsole } from './console/console-static';
import { registerBodyParsers } from './http/body-parsers';
import { mapError } from './http/error-body';
import { buildOpenApiDocument, readProfileSchema } from './http/openapi-document';
import { registerReplicaLagHeader } from './http/replica-lag';
import { registerRequestIdHeader, requestIdOf } from './http/request-id';
import { registerRequestLog } from './http/request-log';
import { registerSecurityHeaders } from './http/security-headers';
import { registerHttpMetrics } from './metrics/http-metrics';

function fastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    genReqId: requestIdOf,
    // The router's own refusals (a path that is not valid percent-encoding) in the error shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const mapped = mapError(error);
      void reply.code(mapped.status).send(mapped.body);
    },
  });
}

// Fastify rather than Express: a CRM lookup costs the API process less than half the CPU
// (docs/performance.md, "Serving API").
export async function createApiApp(): Promise<NestFastifyApplication> {
  // Bodies are parsed by registerBodyParsers (types and limits per route), so Nest's parsers are off.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, fastifyAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestIdHeader(fastify);
  registerSecurityHeaders(fastify);
  // Without a replica every read is the primary's and no request needs a context (an
  // AsyncLocalStorage run per request, and the promise hooks it turns on, cost every lookup).
  if (app.get(AppConfig).DATABASE_READ_URL) registerReplicaLagHeader(fastify);
  registerRequestLog(fastify, logger);
  registerBodyParsers(fastify);
  registerHttpMetrics(fastify);
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(
    'docs',
    app,
    () => (document ??= buildOpenApiDocument(app, readProfileSchema(loadConfig().TAG_DEFINITIONS_DIR))),
    { jsonDocumentUrl: 'docs-json' },
  );
  await registerConsole(app);
  return app;
}

// The OpenAPI document without a database, Redis or a listening server: Nest's preview mode builds
// the module graph without instantiating providers (the console's build generates its client from it).
export async function openApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, fastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app, readProfileSchema(loadConfig().TAG_DEFINITIONS_DIR));
  } finally {
    await app.close();
  }
}
