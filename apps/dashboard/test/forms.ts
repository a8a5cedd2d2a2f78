import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { hashPassword } from '../src/lib/server/auth/password.js';

/** The origin the test requests use (the Worker's own, so the CSRF check lets form posts through). */
export const APP_ORIGIN = 'http://127.0.0.1';

/**
 * POSTs an HTML form to the built Worker as a browser without JavaScript does (so a failed action
 * answers its own HTTP status), from `clientAddress` as Cloudflare's edge reports it in
 * CF-Connecting-IP (no header when omitted). `URLSearchParams` fields may repeat a name (checkboxes).
 */
export async function postForm(
  path: string,
  fields: Record<string, string> | URLSearchParams,
  options: { clientAddress?: string; cookie?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    origin: APP_ORIGIN,
    accept: 'text/html',
  };
  if (options.clientAddress) headers['cf-connecting-ip'] = options.clientAddress;
  if (options.cookie) headers['cookie'] = options.cookie;
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}${path}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  const response = await worker.fetch!(request as never, { ...env }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Adds a dashboard user of `organizationId` with this password; returns its id. */
export async function addUser(
  email: string,
  password: string,
  options: { organizationId?: string; role?: 'admin' | 'superadmin' } = {},
): Promise<string> {
  const id = `user-${crypto.randomUUID()}`;
  await env.ADMIN_DB.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, 0)')
    .bind(id, email, email, options.organizationId ?? 'org-acme', options.role ?? 'admin', await hashPassword(password))
    .run();
  return id;
}

/** How many session rows a user has. */
export async function sessionCount(userId: string): Promise<number> {
  const row = await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?')
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** GETs a page of the built Worker as a browser does (with the session cookie, when given). */
export async function getPage(path: string, options: { cookie?: string } = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { accept: 'text/html' };
  if (options.cookie) headers['cookie'] = options.cookie;
  const request = new Request(`${APP_ORIGIN}${path}`, { headers, redirect: 'manual' });
  const response = await worker.fetch!(request as never, { ...env }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Signs in through the form from `clientAddress`; the session cookie (`name=value`), or throws. */
export async function signInCookie(email: string, password: string, clientAddress = '198.51.100.1'): Promise<string> {
  const response = await postForm('/auth/signin', { email, password }, { clientAddress });
  if (response.status !== 303) throw new Error(`sign-in of ${email} answered ${response.status}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}
