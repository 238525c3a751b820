import 'reflect-metadata';
import { ConfigError } from '@tagforge/common';
import { openApiDocument } from './create-api-app';

// Writes the API's OpenAPI document to stdout, with no database, Redis or server:
//   node dist/apps/api/src/openapi-document.js > tagforge-openapi.json   (npm run openapi)
openApiDocument()
  .then((document) => process.stdout.write(`${JSON.stringify(document, null, 2)}\n`))
  .catch((error: unknown) => {
    process.stderr.write(
      error instanceof ConfigError
        ? `${error.message}\n`
        : `cannot build the OpenAPI document: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
