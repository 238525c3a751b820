import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { registerConsole } from './console/console-static';
import { registerBodyParsers } from './http/body-parsers';
import { mapError } from './http/error-body';
import { openApiDocument } from './http/openapi-document';
import { registerRequestIdHeader, requestIdOf } from './http/request-id';
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
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestIdHeader(fastify);
  registerBodyParsers(fastify);
  registerHttpMetrics(fastify);
  app.use(helmet());
  const document = () => openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await registerConsole(app);
  return app;
}
