import { redactUrl } from '#internal/setup/aws-errors.js';
import { assertSecretTransport } from './secret-transport.js';
import { UsageError } from './usage-error.js';

/**
 * The environment variable that holds the dashboard's operations API token.
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 */
export const OPS_TOKEN_ENV = 'KURATCHI_OPS_TOKEN';

/**
 * A call to the dashboard's operations API that did not answer 2xx (or did not answer).
 * @see https://developers.cloudflare.com/workers/observability/errors/
 */
export class OpsApiError extends Error {
  override readonly name = 'OpsApiError';
  /**
   * @param status the HTTP status, when the dashboard answered.
   * @param body the answer's JSON, when it was JSON (a 503 of `events/import` names each record's outcome).
   */
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/**
 * Calls the operations API of a dashboard (`/api/ops/…`) with its bearer token.
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 */
export interface OpsApi {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T>(path: string, body: object): Promise<T>;
}

/**
 * An operations API client for the dashboard at `base` (`https://dash.example.com`). The token
 * is read from `KURATCHI_OPS_TOKEN`, never from the command line (where `ps` would show it), and
 * sent only over https:// (or http:// to a loopback host: `secret-transport.ts`).
 * @throws {UsageError} when the token is not set, or `base` would carry it in clear text.
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 */
export function opsApi(base: URL, env: NodeJS.ProcessEnv, timeoutMs: number): OpsApi {
  assertSecretTransport(base, '--dashboard-url', OPS_TOKEN_ENV);
  const token = env[OPS_TOKEN_ENV];
  if (!token)
    throw new UsageError(
      `${OPS_TOKEN_ENV} must be set to the dashboard's operations token (the secret KURATCHI_OPS_TOKEN of the Worker)`,
    );
  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: object,
    query: Record<string, string | undefined> = {},
  ): Promise<T> {
    const url = new URL(path, base);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new OpsApiError(
        `${method} ${redactUrl(url.href)} failed: ${cause ?? (error instanceof Error ? error.message : String(error))}`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 300);
      let json: { error?: string; message?: string } | undefined;
      try {
        json = JSON.parse(text) as { error?: string; message?: string };
        if (json.error) detail = `${json.error}${json.message ? `: ${json.message}` : ''}`;
      } catch {
        // not JSON: the status and raw text say it
      }
      throw new OpsApiError(
        `${method} ${redactUrl(url.href)} answered HTTP ${response.status}: ${detail}`,
        response.status,
        json,
      );
    }
    return JSON.parse(text) as T;
  }
  return {
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body) => call('POST', path, body),
  };
}
