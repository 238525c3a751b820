import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

// The OpenAPI document of the API, for /docs and for the console's generated client.
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
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
}
