import { isHttpError, type RequestEvent } from '@sveltejs/kit';
import { InvalidOptionsError } from 'kuratchi-sdk/internal/send';
import type { z } from 'zod';
import { ApiProblem, problemResponse, type InvalidField } from './problem';
import type { ApiCaller, ApiScope } from './keys';

/** What an API route's code gets: the caller, its organisation's database and the request. */
export interface ApiContext {
  caller: ApiCaller;
  event: RequestEvent;
  /** The caller's organisation's own database: another organisation's rows are not in it. */
  db: D1Database;
}

/**
 * An API route's handler: checks the key's scope (a `send` key may also read), runs `run` and
 * answers JSON; an {@link ApiProblem}, invalid SDK options, a moving organisation and any other
 * refusal become RFC 9457 problem details. The key itself was checked by `hooks.server.ts`;
 * a GET may run while that check is still under way (`answerApiRequest`), so it must never write.
 */
export function apiRoute(scope: ApiScope, run: (context: ApiContext) => Promise<Response>) {
  return async (event: RequestEvent): Promise<Response> => {
    try {
      const caller = event.locals.apiCaller;
      if (!caller) throw new Error('API route reached without an API caller (hooks.server.ts)');
      if (!caller.scopes.includes(scope)) {
        throw new ApiProblem('insufficient-scope', `this key lacks the \`${scope}\` scope`);
      }
      const db = await event.locals.kuratchi.orgDatabaseClient(caller.organizationId);
      return await run({ caller, event, db });
    } catch (cause) {
      return problemResponse(asProblem(cause));
    }
  };
}

function asProblem(cause: unknown): ApiProblem {
  if (cause instanceof ApiProblem) return cause;
  if (cause instanceof InvalidOptionsError) {
    return invalid(cause.issues.map((issue) => ({ path: `body.${issue.path}`, message: issue.message })));
  }
  if (isHttpError(cause) && cause.status === 503) return new ApiProblem('organization-moving', cause.body.message);
  throw cause;
}

/** The 400 problem naming each invalid field. */
export function invalid(errors: InvalidField[]): ApiProblem {
  return new ApiProblem('invalid-request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

/** Validates `input` (`where`: `query`, `body`, `path`) or throws the 400 problem naming each field. */
export function parseInput<S extends z.ZodType>(where: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(
    result.error.issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  );
}

/** The query parameters of a request as an object (the last value of a repeated one). */
export function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

/** A JSON answer with `status`. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The longest body a POST may send (1 MiB): longer ones are refused before they are read whole. */
export const API_MAX_BODY_BYTES = 1_048_576;

/**
 * The JSON body of a POST: 415 when it is not `application/json`, 413 when it is longer than
 * {@link API_MAX_BODY_BYTES} (by its `Content-Length`, or counted as it streams in when it has
 * none), 400 when it does not parse.
 * @see https://www.rfc-editor.org/rfc/rfc9110#status.415
 * @see https://www.rfc-editor.org/rfc/rfc9110#status.413
 */
export async function jsonBody(request: Request): Promise<{ text: string; value: unknown }> {
  const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiProblem('unsupported-media-type', 'send the body as application/json');
  const text = await boundedText(request);
  try {
    return { text, value: JSON.parse(text) };
  } catch {
    throw invalid([{ path: 'body', message: 'is not valid JSON' }]);
  }
}

const TOO_LARGE = () =>
  new ApiProblem('content-too-large', `the body is longer than ${API_MAX_BODY_BYTES} bytes`, {
    maxBytes: API_MAX_BODY_BYTES,
  });

/** The body as text, or the 413 problem as soon as it passes {@link API_MAX_BODY_BYTES}. */
async function boundedText(request: Request): Promise<string> {
  if (Number(request.headers.get('content-length') ?? 0) > API_MAX_BODY_BYTES) throw TOO_LARGE();
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > API_MAX_BODY_BYTES) {
      await reader.cancel();
      throw TOO_LARGE();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
