import createClient from 'openapi-fetch';
import type { paths } from './api-types';

/** The REST API's paths and operations, as generated from its OpenAPI document (api-types.ts). */
export type ApiPaths = paths;

/** The JSON body of `POST /api/v1/emails`, as the document declares it. */
export type SendEmailBody = paths['/api/v1/emails']['post']['requestBody']['content']['application/json'];

/**
 * A typed client of `/api/v1/` (openapi-fetch over the types generated from the OpenAPI document
 * by scripts/api-types.mjs), sending with `key` through `fetch` (the built Worker, in the tests).
 * Every answer is handed to `check` with its method and OpenAPI path before the caller reads it.
 * @see https://openapi-ts.dev/openapi-fetch/
 * @see https://openapi-ts.dev/openapi-fetch/middleware-auth
 */
export function createApiClient(options: {
  key: string | null;
  fetch: (request: Request) => Promise<Response>;
  check: (response: Response, method: string, schemaPath: string) => Promise<void>;
}) {
  const client = createClient<paths>({
    baseUrl: 'http://127.0.0.1',
    fetch: options.fetch,
    headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
  });
  client.use({
    async onResponse({ request, response, schemaPath }) {
      await options.check(response.clone(), request.method, schemaPath);
    },
  });
  return client;
}
