import { createOrgBindingCache } from 'kuratchi-sdk/internal/d1';
import { readSettings } from '../settings/read';
import { ApiProblem, problemResponse } from './problem';
import { authenticateApiKey, type ApiCaller } from './keys';
import { rateLimited, rateLimitState } from './rate-limit';

/** Paths of the REST API: organisations' software with an API key, no session, no cookie. */
export const API_PATH_PREFIX = '/api/v1/';

/** The OpenAPI document: public, so that tools can read it without a key. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/**
 * Whether a request belongs to the REST API, which `hooks.server.ts` authenticates with
 * {@link apiGate} before any route runs (the path as sent, without regard to case, or the route
 * SvelteKit matched), so a route added later is closed without its author thinking of it.
 */
export function isApiRequest(pathname: string, routeId: string | null): boolean {
  const prefix = API_PATH_PREFIX.slice(0, -1);
  const under = (path: string) => path === prefix || path.startsWith(API_PATH_PREFIX);
  return under(pathname.toLowerCase()) || (routeId !== null && under(routeId));
}

/** The API's answer to a key that is missing, malformed, unknown or revoked. */
export const UNAUTHORIZED = new ApiProblem(
  'unauthorized',
  'a valid Authorization: Bearer <API key> header is required (an organisation admin creates keys under Settings → API keys)',
  {},
  { 'www-authenticate': 'Bearer realm="kuratchi api", error="invalid_token"' },
);

/**
 * Where the API callers' organisations' databases live, kept per isolate as the SES webhook keeps
 * them (`createOrgBindingCache`: a minute at most, a moving organisation never cached, which
 * `kuratchi-ses org migrate` waits out), so that an API request does not read `organizations`
 * each time. `hooks.server.ts` hands it to the API requests' `locals.kuratchi`.
 * @see https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates
 */
export const API_ORG_LOCATIONS = createOrgBindingCache();

/**
 * Checks the bearer API key (RFC 6750) of an API request and counts it against the key's rate
 * limit (`KURATCHI_API_RATE_LIMIT_PER_MINUTE`), in one round trip to the admin database
 * (`authenticateApiKey`): the caller (its organisation and scopes) with the
 * RateLimit header fields for the answer, or the 401 or 429 problem to answer. The OpenAPI
 * document needs no key (null).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export async function apiGate(
  request: Request,
  pathname: string,
  env: DashboardEnv,
  now: number,
): Promise<{ caller: ApiCaller; headers: Record<string, string> } | Response | null> {
  if (pathname === OPENAPI_PATH && request.method === 'GET') return null;
  const key = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization')?.trim() ?? '')?.[1];
  const admitted = key ? await authenticateApiKey(env.ADMIN_DB, key, now) : null;
  if (!admitted) return problemResponse(UNAUTHORIZED);
  const limit = readSettings(env, 'api').KURATCHI_API_RATE_LIMIT_PER_MINUTE;
  const state = rateLimitState(admitted.requests, limit, now);
  if (!state.allowed) return problemResponse(rateLimited(state));
  return { caller: admitted.caller, headers: state.headers };
}

/** The 404 problem of a path under `/api/v1/` that no route serves (instead of the HTML page). */
export const NO_SUCH_ROUTE = new ApiProblem('not-found', 'no such route in /api/v1/ (see /api/v1/openapi.json)');

/**
 * A route's 405 as a problem: SvelteKit answers a method a route does not export with plain text
 * and the `Allow` header, which the problem keeps. Any other answer is returned as it is.
 * @see https://www.rfc-editor.org/rfc/rfc9110#status.405
 */
export function methodNotAllowedAsProblem(request: Request, response: Response): Response {
  if (response.status !== 405 || response.headers.get('content-type') === 'application/problem+json') return response;
  const allow = response.headers.get('allow') ?? '';
  return problemResponse(
    new ApiProblem(
      'method-not-allowed',
      `${request.method} is not a method of this route (Allow: ${allow})`,
      {},
      { allow },
    ),
  );
}
