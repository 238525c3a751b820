import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config';

// Structured JSON logs. Request logs carry method, route path, status and request id only:
// never headers (API keys), bodies (profiles) or query strings.
export function loggerModule() {
  return LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      // Every route: under the Fastify adapter the module's default pattern matches none.
      forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
      pinoHttp: {
        level: config.LOG_LEVEL,
        serializers: {
          req: (req: { id?: unknown; method?: string; url?: string }) => ({
            id: req.id,
            method: req.method,
            path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
          }),
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
        redact: {
          paths: ['req.headers', 'res.headers', '*.authorization', '*.profile', '*.patch'],
          remove: true,
        },
        autoLogging: {
          ignore: (req: IncomingMessage) => req.url === '/health/live' || req.url === '/metrics',
        },
      },
    }),
  });
}
