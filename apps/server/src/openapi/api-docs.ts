import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { buildApiDocument } from './api-document';

/** Where the readable page is (under the base path); the document is `${API_DOCS_PATH}/openapi.json`. */
export const API_DOCS_PATH = 'api/docs';

/**
 * `/api/docs`: Swagger UI (swagger-ui-dist, served by @nestjs/swagger through @fastify/static)
 * and `/api/docs/openapi.json`. Open without a session: the description carries no data, and
 * its "Try it out" uses the browser's session cookie.
 */
export function registerApiDocs(app: NestFastifyApplication, version: string, basePath: string): void {
  const document = buildApiDocument(version, basePath);
  SwaggerModule.setup(API_DOCS_PATH, app, document, {
    useGlobalPrefix: true,
    jsonDocumentUrl: `${API_DOCS_PATH}/openapi.json`,
    raw: ['json'],
    customSiteTitle: 'Peregrine API',
    swaggerOptions: { withCredentials: true, persistAuthorization: false },
  });
}
