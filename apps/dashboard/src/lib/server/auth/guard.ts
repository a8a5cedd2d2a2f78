import { CSRF_EXEMPT_PATHS } from '../csrf';

/** Paths anyone may request: the sign-in pages, the liveness probe and the SNS webhook (which proves its sender). */
export function isPublicPath(pathname: string): boolean {
  return pathname.startsWith('/auth/') || pathname === '/api/ping' || CSRF_EXEMPT_PATHS.includes(pathname);
}

/** Where an anonymous request goes: the sign-in page for pages, 401 for everything else. */
export function signInRequired(request: Request, url: URL): Response {
  const wantsPage = request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
  if (!wantsPage) return Response.json({ error: 'sign in required' }, { status: 401 });
  const target = `/auth/signin?redirectTo=${encodeURIComponent(url.pathname + url.search)}`;
  return new Response(null, { status: 303, headers: { location: target } });
}

/** A redirect target is only ever a path of this app (no open redirect). */
export function safeRedirectTarget(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/emails';
}

/** Session cookies are Secure, except over plain http on a loopback host (local development). */
export function cookieIsSecure(url: URL): boolean {
  return !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}
