import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config';

// Structured JSON logs. Request logs carry method, route path, status and request id only:
// never headers (API keys), bodies (profiles) or query strings.
export function loggerModule() {
  return LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      pinoHttp: {
        level: config.LOG_LEVEL,
        genReqId: (req: IncomingMessage, res: ServerResponse) => {
          const incoming = req.headers['x-request-id'];
          const id =
            typeof incoming === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(incoming)
              ? incoming
              : randomUUID();
          res.setHeader('x-request-id', id);
          return id;
        },
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
