import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { openApiDocument } from './http/openapi-document';

// Writes the OpenAPI document without a database or Redis: in preview mode Nest reads the modules
// and routes but instantiates no provider. The console's build generates its client from this file.
async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: node dist/apps/api/src/write-openapi.js <file.json>');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = openApiDocument(app);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`write-openapi failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
