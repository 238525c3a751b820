import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppLogger } from '@tagforge/common';
import { AppModule } from './app.module';
import { registerBodyParsers } from './http/body-parsers';
import { mapError } from './http/error-body';
import { registerRequestIdHeader, requestIdOf } from './http/request-id';
import { registerRequestLog } from './http/request-log';
import { registerHttpMetrics } from './metrics/http-metrics';

// Fastify rather than Express: a CRM lookup costs the API process less than half the CPU
// (docs/performance.md, "Serving API").
export async function createApiApp(): Promise<NestFastifyApplication> {
  // Bodies are parsed by registerBodyParsers (types and limits per route), so Nest's parsers are off.
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    new FastifyAdapter({
      genReqId: requestIdOf,
      // The router's own refusals (a path that is not valid percent-encoding) in the error shape.
      frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
        const mapped = mapError(error);
        void reply.code(mapped.status).send(mapped.body);
      },
    }),
    {
      bodyParser: false,
      bufferLogs: true,
    },
  );
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestIdHeader(fastify);
  registerRequestLog(fastify, logger);
  registerBodyParsers(fastify);
  registerHttpMetrics(fastify);
  app.use(helmet());
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Tagforge API')
        .setDescription(
          'Customer tagging and segmentation for retail lending. Errors are `{ "error": { code, message, details } }`.',
        )
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: tfk_...' })
        .build(),
    );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
