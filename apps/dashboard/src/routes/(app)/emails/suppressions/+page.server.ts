import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import {
  addBody,
  addSuppressions,
  pageQuery,
  removeBody,
  removeSuppressions,
  suppressionPage,
} from '$lib/server/suppressions/manage';

/** The session's organisation database: a superadmin's chosen organisation, or the admin's own. */
async function organizationDb(locals: App.Locals) {
  if (!locals.session) error(401, 'Sign in first');
  return locals.kuratchi.orgDatabaseClient(locals.session.organization.id);
}

/** One page of the organisation's suppression list (`?search=&reason=&after=`). */
export const load: PageServerLoad = async ({ locals, url }) => {
  // Only the list's own parameters (a form action's URL carries `?/add`).
  const params = ['limit', 'after', 'reason', 'search'].flatMap((key) => {
    const value = url.searchParams.get(key);
    return value ? [[key, value]] : [];
  });
  const query = pageQuery.safeParse(Object.fromEntries(params));
  if (!query.success) error(400, query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return { ...(await suppressionPage(await organizationDb(locals), query.data)), query: query.data };
};

const problem = (issues: { path: PropertyKey[]; message: string }[]) =>
  fail(400, { error: issues.map((i) => i.message).join('; ') });

export const actions: Actions = {
  /** Suppresses an address by hand (reason manual), with an optional note. */
  add: async ({ locals, request }) => {
    const form = await request.formData();
    const detail = String(form.get('detail') ?? '').trim();
    const body = addBody.safeParse({
      entries: [{ emailAddress: String(form.get('emailAddress') ?? '').trim(), ...(detail ? { detail } : {}) }],
    });
    if (!body.success) return problem(body.error.issues);
    const result = await addSuppressions(await organizationDb(locals), body.data, new Date());
    return { added: result.added === 1, emailAddress: body.data.entries[0]!.emailAddress.toLowerCase() };
  },
  /** Removes an address from the list, whatever put it there. */
  remove: async ({ locals, request }) => {
    const form = await request.formData();
    const body = removeBody.safeParse({ emailAddresses: [String(form.get('emailAddress') ?? '')] });
    if (!body.success) return problem(body.error.issues);
    const result = await removeSuppressions(await organizationDb(locals), body.data);
    return { removed: result.removed === 1, emailAddress: body.data.emailAddresses[0]! };
  },
};
