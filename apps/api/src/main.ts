import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, closeOnSignals, loadConfig } from '@tagforge/common';
import { isDatabaseUnavailable } from './http/error-body';
import { unreachablePostgresMessage } from '@tagforge/persistence';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp();
  const logger = new Logger('Shutdown');
  closeOnSignals(app, (message) => logger.log(message));
  // Every interface, as in a container; Fastify alone would listen on localhost only.
  await app.listen(config.PORT, '0.0.0.0');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else if (isDatabaseUnavailable(error))
    process.stderr.write(`${unreachablePostgresMessage(loadConfig().DATABASE_URL, error)}\n`);
  else
    process.stderr.write(
      `tagforge api failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  process.exit(1);
});
