import { Global, Injectable, Module, type LoggerService } from '@nestjs/common';
import pino, { type Level, type Logger } from 'pino';
import { AppConfig } from './config';

// Structured JSON logs (pino) for Nest's own logger and ours. Messages name what happened, never
// profile contents or API keys; request logs (apps/api) carry method, route path, status and
// request id only.
@Injectable()
export class AppLogger implements LoggerService {
  readonly pino: Logger;

  constructor(config: AppConfig) {
    this.pino = pino({ level: config.LOG_LEVEL });
  }

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }

  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }

  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }

  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }

  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }

  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  // Nest passes the context (the logger's name) last; error() may pass a stack before it.
  private write(level: Level, message: unknown, optional: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = typeof optional[optional.length - 1] === 'string' ? optional.pop() : undefined;
    const stack = level === 'error' && typeof optional[0] === 'string' ? optional.shift() : undefined;
    const fields = { ...(context === undefined ? {} : { context }), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}

@Global()
@Module({ providers: [AppLogger], exports: [AppLogger] })
class LoggingModule {}

export function loggerModule() {
  return LoggingModule;
}
