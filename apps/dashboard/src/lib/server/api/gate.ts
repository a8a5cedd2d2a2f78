import { createOrgBindingCache } from 'kuratchi-sdk/internal/d1';
import { readSettings } from '../settings/read';
import { ApiProblem, problemResponse } from './problem';
import type { RequestEvent } from '@sveltejs/kit';
import { hashToken } from '../auth/tokens';
import { authenticateApiKey, type ApiCaller } from './keys';
import { rateLimited, rateLimitState } from './rate-limit';

/** Paths of the REST API: organisations' software with an API key, no session, no cookie. */
export const API_PATH_PREFIX = '/api/v1/';

/** The OpenAPI document: public, so that tools can read it without a key. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/**
 * Whether a request belongs to the REST API, which `hooks.server.ts` hands to
 * {@link answerApiRequest} before any route runs (the path as sent, without regard to case, or the route
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

/** What a request may reach once its key is checked: SvelteKit's `resolve` of the hook. */
type Resolve = (event: RequestEvent) => Response | Promise<Response>;

/**
 * Methods that change nothing (RFC 9110 §9.2.1): the only ones whose route may start before the
 * key check has answered. An API route that serves GET must therefore never write.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
 */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** How many admitted keys an isolate remembers (the oldest forgotten first). */
const ADMITTED_KEYS_MAX = 1_000;

/**
 * The callers this isolate has admitted, by the SHA-256 of their key (never the key itself): a
 * key's organisation and scopes never change, only whether it is still valid, which the admin
 * batch decides on every request. Forgotten when the batch refuses the key.
 * @see https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates
 */
const ADMITTED_KEYS = new Map<string, ApiCaller>();

function remember(keyHash: string, caller: ApiCaller): void {
  ADMITTED_KEYS.delete(keyHash);
  if (ADMITTED_KEYS.size >= ADMITTED_KEYS_MAX) ADMITTED_KEYS.delete(ADMITTED_KEYS.keys().next().value!);
  ADMITTED_KEYS.set(keyHash, caller);
}

/**
 * Answers a request under `/api/v1/` (`hooks.server.ts` hands every one here): checks its bearer
 * API key (RFC 6750) and counts it against the key's rate limit
 * (`KURATCHI_API_RATE_LIMIT_PER_MINUTE`) in one round trip to the admin database
 * (`authenticateApiKey`), then answers with the route, the RateLimit header fields added, or with
 * the 401 or 429 problem. The OpenAPI document needs no key.
 *
 * A GET or HEAD presenting a key this isolate has admitted before starts its route beside the key
 * check instead of after it, so a page costs the longer of the two round trips, not their sum
 * (issue 29's list target). Its answer is thrown away unless the check admits the same caller:
 * a revoked key, a removed organisation or a spent rate limit is refused exactly as before, and
 * nothing a safe method does is written. Any other method waits for the check.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export async function answerApiRequest(event: RequestEvent, resolve: Resolve, now: number): Promise<Response> {
  const { request } = event;
  if (event.url.pathname === OPENAPI_PATH && request.method === 'GET') return resolve(event);
  const key = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization')?.trim() ?? '')?.[1];
  if (!key) return problemResponse(UNAUTHORIZED);
  const keyHash = await hashToken(key);
  const answer = async (caller: ApiCaller): Promise<Response> => {
    event.locals.apiCaller = caller;
    if (event.route.id === null) return problemResponse(NO_SUCH_ROUTE);
    return methodNotAllowedAsProblem(request, await resolve(event));
  };
  const known = SAFE_METHODS.has(request.method) ? ADMITTED_KEYS.get(keyHash) : undefined;
  const early = known ? answer(known) : null;
  early?.catch(() => {}); // awaited below unless the key is refused
  const admitted = await authenticateApiKey(event.platform!.env.ADMIN_DB, key, now, keyHash);
  if (!admitted) {
    ADMITTED_KEYS.delete(keyHash);
    return problemResponse(UNAUTHORIZED);
  }
  const limit = readSettings(event.platform!.env, 'api').KURATCHI_API_RATE_LIMIT_PER_MINUTE;
  const state = rateLimitState(admitted.requests, limit, now);
  if (!state.allowed) return problemResponse(rateLimited(state));
  remember(keyHash, admitted.caller);
  let response: Response;
  if (early && JSON.stringify(known) === JSON.stringify(admitted.caller)) response = await early;
  else {
    await early?.catch(() => null);
    response = await answer(admitted.caller);
  }
  for (const [name, value] of Object.entries(state.headers)) response.headers.set(name, value);
  return response;
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
