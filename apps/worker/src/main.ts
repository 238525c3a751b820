import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppLogger, ConfigError, closeOnSignals, loadConfig } from '@tagforge/common';
import { unreachablePostgresMessage } from '@tagforge/persistence';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  // SIGTERM/SIGINT run the shutdown hooks: WorkerHost drains in-flight jobs, then connections close.
  closeOnSignals(app, (message) => app.get(AppLogger).log(message, 'Shutdown'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) process.stderr.write(`${message}\n`);
  else if (message.startsWith('Cannot reach Redis')) process.stderr.write(`${message}\n`);
  else if (/ECONNREFUSED|timeout exceeded when trying to connect|Connection terminated/i.test(message)) {
    process.stderr.write(`${unreachablePostgresMessage(loadConfig().DATABASE_URL, error)}\n`);
  } else
    process.stderr.write(
      `tagforge worker failed to start: ${error instanceof Error ? error.stack : message}\n`,
    );
  process.exit(1);
});
