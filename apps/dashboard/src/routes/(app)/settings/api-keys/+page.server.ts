import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { ApiKeyError, API_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '$lib/server/api/keys';

/** The active organisation of whoever manages its keys: its admin, or a superadmin looking at it. */
function organizationOf(locals: App.Locals) {
  if (!locals.session) error(401, 'Sign in first');
  return locals.session.organization;
}

/** A refused change as the form's answer (400 or 404 with its message); anything else throws. */
async function keyAction<T extends object>(run: () => Promise<T>) {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof ApiKeyError) return fail(cause.code === 'key-not-found' ? 404 : 400, { error: cause.message });
    throw cause;
  }
}

/** The organisation's API keys (never the keys themselves: only their hashes are kept). */
export const load: PageServerLoad = async ({ locals }) => {
  const organization = organizationOf(locals);
  return {
    keys: await listApiKeys(locals.kuratchi.getAdminDb(), organization.id),
    scopes: API_SCOPES,
  };
};

export const actions: Actions = {
  /** Creates a key; the answer shows it once. */
  create: async ({ locals, request }) => {
    const organization = organizationOf(locals);
    const form = await request.formData();
    return keyAction(async () => {
      const { key, summary } = await createApiKey(locals.kuratchi.getAdminDb(), {
        organizationId: organization.id,
        name: String(form.get('name') ?? ''),
        scopes: form.getAll('scopes').map(String),
        createdBy: locals.session!.user.id,
        now: Date.now(),
      });
      return { created: { key, name: summary.name } };
    });
  },
  /** Revokes a key of this organisation: its requests are refused from now on. */
  revoke: async ({ locals, request }) => {
    const organization = organizationOf(locals);
    const form = await request.formData();
    return keyAction(async () => {
      await revokeApiKey(locals.kuratchi.getAdminDb(), organization.id, String(form.get('id') ?? ''), Date.now());
      return { revoked: true };
    });
  },
};
