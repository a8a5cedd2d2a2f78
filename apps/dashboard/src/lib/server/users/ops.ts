import { createUser, listUsers, removeUser, resetPassword, type IssuedLink, type UserChange } from './accounts';
import { UserError } from './errors';
import { mailPasswordLink } from './mail';
import { onboardOrganization } from './onboard';

/**
 * The operations API's side of users (`kuratchi-ses user`, `kuratchi-ses org create
 * --admin-email`): the bearer token is checked once in hooks.server.ts; here, the body is read,
 * the rule of `accounts.ts` or `onboard.ts` applied, and a refusal answered as
 * `{ error, message }` with its status (errors.ts). Links point at the origin the request came
 * to: the dashboard URL the CLI was given.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export const opsUsers = {
  /** `POST /api/ops/users` `{ email, role, organizationId?, name? }`: 201 `{ user, link, mail }`. */
  create: (env: DashboardEnv, request: Request, now: Date) =>
    answer(env, request, now, 201, async (change, body) => withMail(env, await createUser(change, body))),
  /** `POST /api/ops/users/reset` `{ email }`: 200 `{ user, link, mail }`. */
  reset: (env: DashboardEnv, request: Request, now: Date) =>
    answer(env, request, now, 200, async (change, body) => withMail(env, await resetPassword(change, body))),
  /** `POST /api/ops/users/remove` `{ email }`: 200 `{ removed }`. */
  remove: (env: DashboardEnv, request: Request, now: Date) =>
    answer(env, request, now, 200, async (change, body) => ({ removed: await removeUser(change, body) })),
  /** `GET /api/ops/users?org=`: `{ users }` (of one organisation with `org`). */
  list: async (env: DashboardEnv, url: URL, now: Date) => {
    const organizationId = url.searchParams.get('org') ?? undefined;
    return Response.json({ users: await listUsers(env.ADMIN_DB, now.getTime(), { organizationId }) });
  },
  /**
   * `POST /api/ops/organizations` `{ id, name, kind?, binding?, adminEmail?, adminName? }`: 201
   * `{ organization, invitation }` (`invitation`: null without `adminEmail`).
   */
  onboard: (env: DashboardEnv, request: Request, now: Date) =>
    answer(env, request, now, 201, (change, body) => onboardOrganization(env, change, body)),
};

async function withMail(env: DashboardEnv, issued: IssuedLink) {
  return { ...issued, mail: await mailPasswordLink(env, issued) };
}

async function answer(
  env: DashboardEnv,
  request: Request,
  now: Date,
  status: 200 | 201,
  run: (change: UserChange, body: unknown) => Promise<object>,
): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: 'invalid-request', message: 'body: must be JSON' }, { status: 400 });
  }
  const change: UserChange = {
    db: env.ADMIN_DB,
    actor: { kind: 'ops-token' },
    now: now.getTime(),
    origin: new URL(request.url).origin,
  };
  try {
    return Response.json(await run(change, body), { status });
  } catch (error) {
    if (error instanceof UserError) return error.toResponse();
    throw error;
  }
}
