import { openApiDocument } from '$lib/server/api/openapi';

/** The OpenAPI 3.1 document of `/api/v1/`, built from the zod schemas the routes validate with. */
export const GET = ({ url }: { url: URL }) => Response.json(openApiDocument(url.origin));
