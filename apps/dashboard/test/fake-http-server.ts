// The Node side of test/fake-http.ts: runs in vitest.config.ts, where the Worker's outbound
// requests arrive (miniflare `outboundService`). A test scripts the answers of one host (a fake
// SESv2 endpoint, an alert webhook), the Worker's real clients call it, and the test reads back
// what was received. Hosts keep test files apart: each uses its own.
// https://developers.cloudflare.com/workers/testing/miniflare/core/fetch/#mocking-fetch-requests

/** One scripted answer: the first whose method and path prefix match is used, `times` times. */
export interface FakeHttpAnswer {
  method?: string;
  /** Matches when the request's path starts with it (default: any path). */
  pathPrefix?: string;
  status?: number;
  headers?: Record<string, string>;
  /** Answered as JSON (content-type application/json). */
  json?: unknown;
  /** Answered as text, when `json` is not given. */
  body?: string;
  /** How many requests this answer serves (default: all). */
  times?: number;
}

/** A request the fake received, as the test reads it back. */
export interface FakeHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The fake's state and its two entry points. */
export function createFakeHttp() {
  const scripts = new Map<string, FakeHttpAnswer[]>();
  const received = new Map<string, FakeHttpRequest[]>();

  return {
    /** The scripted answer to a Worker request, or null when its host is not scripted. */
    async answer(request: Request): Promise<Response | null> {
      const url = new URL(request.url);
      const script = scripts.get(url.host);
      if (!script) return null;
      received.get(url.host)?.push({
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      });
      const match = script.find(
        (a) =>
          (a.times ?? Infinity) > 0 &&
          (!a.method || a.method === request.method) &&
          url.pathname.startsWith(a.pathPrefix ?? '/'),
      );
      if (!match)
        return Response.json(
          { message: `fake-http: nothing scripted for ${request.method} ${url.pathname}` },
          { status: 599 },
        );
      if (match.times !== undefined) match.times -= 1;
      const headers = { ...(match.json !== undefined ? { 'content-type': 'application/json' } : {}), ...match.headers };
      const body = match.json !== undefined ? JSON.stringify(match.json) : (match.body ?? '');
      const status = match.status ?? 200;
      // A null-body status (204, 205, 304) must not be given a body, not even an empty one.
      return new Response([204, 205, 304].includes(status) ? null : body, { status, headers });
    },

    /**
     * The FAKE_HTTP service binding: `PUT /script?host=h` (JSON array of answers) replaces the
     * host's script and forgets its requests; `GET /requests?host=h` reads them back.
     */
    async control(request: Request): Promise<Response> {
      const url = new URL(request.url);
      const host = url.searchParams.get('host');
      if (!host) return new Response('host is required', { status: 400 });
      if (request.method === 'PUT' && url.pathname === '/script') {
        scripts.set(host, (await request.json()) as FakeHttpAnswer[]);
        received.set(host, []);
        return new Response(null, { status: 204 });
      }
      if (request.method === 'GET' && url.pathname === '/requests') return Response.json(received.get(host) ?? []);
      return new Response('unknown fake-http control request', { status: 404 });
    },
  };
}
