import type { DashboardConfig } from '../config';
import { sameSecret } from 'kuratchi-sdk/internal/tracking';

/**
 * Paths of the operations API: machine clients (`kuratchi-ses`) with a bearer token, no session.
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 */
export const OPS_PATH_PREFIX = '/api/ops/';

/**
 * Whether a request belongs to the operations API, which `hooks.server.ts` authenticates with
 * {@link opsRefusal} before any route runs: the path as sent, compared without regard to case,
 * or the route SvelteKit matched (it matches the decoded path, so `/api/%6Fps/…` is caught too).
 * Every path under the prefix is refused without the token, routes that exist or not, so a route
 * added later is closed whether or not its author thought of authentication.
 * @see https://svelte.dev/docs/kit/@sveltejs-kit#RequestEvent
 */
export function isOpsRequest(pathname: string, routeId: string | null): boolean {
  const prefix = OPS_PATH_PREFIX.slice(0, -1);
  const under = (path: string) => path === prefix || path.startsWith(OPS_PATH_PREFIX);
  return under(pathname.toLowerCase()) || (routeId !== null && under(routeId));
}

/**
 * Checks the operations API's bearer token (RFC 6750) against `KURATCHI_OPS_TOKEN`, comparing
 * SHA-256 digests with `crypto.subtle.timingSafeEqual` so the time taken does not depend on where
 * they differ. Returns the refusal to send, or null when the request may proceed: 403
 * `ops-disabled` when no token is configured, 401 `unauthorized` for a missing or wrong one.
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#timingsafeequal
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function opsRefusal(request: Request, config: DashboardConfig): Promise<Response | null> {
  if (!config.opsToken) {
    return Response.json(
      {
        error: 'ops-disabled',
        message:
          'the operations API is off: set the KURATCHI_OPS_TOKEN secret (wrangler secret put KURATCHI_OPS_TOKEN)',
      },
      { status: 403 },
    );
  }
  const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization')?.trim() ?? '')?.[1] ?? '';
  if (await sameSecret(presented, config.opsToken)) return null;
  return Response.json(
    { error: 'unauthorized', message: 'a valid Authorization: Bearer <KURATCHI_OPS_TOKEN> header is required' },
    { status: 401, headers: { 'www-authenticate': 'Bearer realm="kuratchi ops"' } },
  );
}
