import type { DashboardConfig } from '../config';
import { sameSecret } from '../same-secret';

/**
 * Paths of the operations API: machine clients (`kuratchi-ses`) with a bearer token, no session.
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 */
export const OPS_PATH_PREFIX = '/api/ops/';

/**
 * Whether a path belongs to the operations API (which authenticates each request itself).
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 */
export function isOpsPath(pathname: string): boolean {
  return pathname.startsWith(OPS_PATH_PREFIX);
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
