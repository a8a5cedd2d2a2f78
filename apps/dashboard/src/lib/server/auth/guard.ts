import { redirect } from '@sveltejs/kit';
import { SES_FIREHOSE_PATH, SES_WEBHOOK_PATH } from 'kuratchi-sdk/internal/events';
import { SES_STATUS_EVENTS_PATH } from 'kuratchi-sdk/internal/guard';

/**
 * Paths anyone may request: the sign-in pages, the liveness probe, the SNS webhook (which proves
 * its sender), the Firehose endpoint and the SES status events endpoint (each checks its own key).
 */
export function isPublicPath(pathname: string): boolean {
  return (
    pathname.startsWith('/auth/') ||
    pathname === '/api/ping' ||
    pathname === SES_WEBHOOK_PATH ||
    pathname === SES_FIREHOSE_PATH ||
    pathname === SES_STATUS_EVENTS_PATH
  );
}

/**
 * Pages a signed-in superadmin can use while the deployment has no organisation yet (the
 * Organisations page creates the first one): every other page shows an organisation's data.
 */
export function needsNoOrganization(pathname: string): boolean {
  return ['/admin/organizations', '/admin/users', '/account'].some(
    (page) => pathname === page || pathname.startsWith(`${page}/`),
  );
}

/**
 * Where a superadmin goes when there is no organisation to show: a page (or the data of one, on
 * a navigation in the browser) to the Organisations page, through SvelteKit's `redirect` (which
 * answers a data request in the form its client follows); anything else answers 409.
 * @see https://svelte.dev/docs/kit/hooks#Server-hooks-handle
 */
export function noOrganizationYet(request: Request, isDataRequest: boolean): Response {
  const wantsPage = (request.headers.get('accept') ?? '').includes('text/html') || isDataRequest;
  if (request.method !== 'GET' || !wantsPage) {
    return Response.json({ error: 'no organisation yet: create one first' }, { status: 409 });
  }
  redirect(303, '/admin/organizations');
}

/** Where an anonymous request goes: the sign-in page for pages, 401 for everything else. */
export function signInRequired(request: Request, url: URL): Response {
  const wantsPage = request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
  if (!wantsPage) return Response.json({ error: 'sign in required' }, { status: 401 });
  const target = `/auth/signin?redirectTo=${encodeURIComponent(url.pathname + url.search)}`;
  return new Response(null, { status: 303, headers: { location: target } });
}

/**
 * Where {@link safeRedirectTarget} sends the browser when the requested target is refused.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
 */
export const DEFAULT_REDIRECT_TARGET = '/emails';

/** ASCII control characters (C0, DEL), C1 controls and the backslash: matching them is the point. */
// eslint-disable-next-line no-control-regex
const REFUSED_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\\]/;

/**
 * A redirect target that is only ever a path of this app (no open redirect), else `/emails`.
 *
 * The value must be a path (`/…`, not `//…`) without control characters or backslashes: the
 * WHATWG URL parser, which is what the browser applies to our Location header, removes tabs and
 * newlines anywhere (`/\t/evil.example` becomes `//evil.example`) and reads `\` as `/` in http(s)
 * URLs, and a CR or LF cannot go into a header at all. It is then resolved with that parser against
 * the app's own origin; it is refused when it lands on another origin or when its normalised path
 * starts with `//` (`/.//evil.example`, `/%2e%2e//evil.example`), which the browser would read as
 * another host. The answer is the parsed URL's own serialisation (path, query, fragment;
 * percent-encoded ASCII), so the browser resolves it to exactly the URL checked here.
 * @param value the requested target, as decoded from the query or form (or null when absent)
 * @param origin the app's own origin (`url.origin` of the request)
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
 */
export function safeRedirectTarget(value: string | null | undefined, origin: string): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || REFUSED_CHARACTERS.test(value)) {
    return DEFAULT_REDIRECT_TARGET;
  }
  const base = new URL(origin);
  const target = new URL(value, base);
  if (target.origin !== base.origin || target.pathname.startsWith('//')) return DEFAULT_REDIRECT_TARGET;
  return `${target.pathname}${target.search}${target.hash}`;
}

/** Session cookies are Secure, except over plain http on a loopback host (local development). */
export function cookieIsSecure(url: URL): boolean {
  return !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}
