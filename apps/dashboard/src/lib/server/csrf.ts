import { SES_WEBHOOK_PATH } from 'kuratchi-sdk/internal/events';
import { isOpsRequest } from './ops/auth';
import { isApiRequest } from './api/gate';

/**
 * SvelteKit's CSRF rule, done here so that one path can be exempt: a request that could come from
 * a cross-site HTML form (POST/PUT/PATCH/DELETE with a form content type) must carry an Origin
 * equal to the app's own. SNS posts `text/plain` without Origin, so only the SNS webhook (which
 * proves its sender by signature) is exempt. A request with no Content-Type at all is held to the
 * same rule: a cross-origin `fetch` may send one without a preflight (a body-less POST, a Blob of
 * no type), and a same-site page (another subdomain) sends the SameSite=Lax session cookie with it.
 * The operations API is left out of that rule for body-less requests, and the REST API (`/api/v1/`)
 * entirely: both take a bearer token, never a cookie.
 * @see https://svelte.dev/docs/kit/configuration#csrf
 * @see https://fetch.spec.whatwg.org/#cors-safelisted-request-header
 */
const FORM_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Paths that may receive cross-site form-like posts: the SNS webhook and the liveness probe. */
export const CSRF_EXEMPT_PATHS: readonly string[] = [SES_WEBHOOK_PATH, '/api/ping'];

/** A 403 response for a cross-site form submission, or null when the request may proceed. */
export function crossSiteFormRejection(request: Request, url: URL): Response | null {
  if (!UNSAFE_METHODS.includes(request.method) || isApiRequest(url.pathname, null)) return null;
  const contentType = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (contentType === '' ? isOpsRequest(url.pathname, null) : !FORM_CONTENT_TYPES.includes(contentType)) return null;
  if (request.headers.get('origin') === url.origin) return null;
  if (CSRF_EXEMPT_PATHS.includes(url.pathname)) return null;
  return new Response(`Cross-site ${request.method} form submissions are forbidden`, {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}
