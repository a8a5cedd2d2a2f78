import type { Handle } from '@sveltejs/kit';
import { isPublicPath, needsNoOrganization, noOrganizationYet, signInRequired } from '$lib/server/auth/guard';
import { SESSION_COOKIE, resolveSession } from '$lib/server/auth/sessions';
import { crossSiteFormRejection } from '$lib/server/csrf';
import { createKuratchiLocals } from '$lib/server/locals';
import { readConfig } from '$lib/server/config';
import { isOpsRequest, opsRefusal } from '$lib/server/ops/auth';
import { API_ORG_LOCATIONS, answerApiRequest, isApiRequest } from '$lib/server/api/gate';

export const handle: Handle = async ({ event, resolve }) => {
  const rejection = crossSiteFormRejection(event.request, event.url);
  if (rejection) return rejection;
  const api = isApiRequest(event.url.pathname, event.route.id);
  event.locals.kuratchi = createKuratchiLocals(event.platform?.env, api ? API_ORG_LOCATIONS : undefined);
  event.locals.signedIn = null;
  event.locals.session = null;
  event.locals.apiCaller = null;
  // The operations API: one bearer check here for every path under /api/ops/, none in the routes.
  if (isOpsRequest(event.url.pathname, event.route.id)) {
    return (await opsRefusal(event.request, readConfig(event.platform?.env))) ?? resolve(event);
  }
  // The REST API: one API-key check here for every path under /api/v1/ (but its OpenAPI document).
  if (api) {
    event.locals.kuratchi.getAdminDb(); // a clear error when ADMIN_DB is not bound
    return answerApiRequest(event, resolve, Date.now());
  }
  if (isPublicPath(event.url.pathname)) return resolve(event);

  const token = event.cookies.get(SESSION_COOKIE);
  const signedIn = token ? await resolveSession(event.locals.kuratchi.getAdminDb(), token, Date.now()) : null;
  if (!signedIn) return signInRequired(event.request, event.url);
  event.locals.signedIn = signedIn;
  if (signedIn.organization) event.locals.session = { ...signedIn, organization: signedIn.organization };
  else if (!needsNoOrganization(event.url.pathname)) return noOrganizationYet(event.request, event.isDataRequest);
  return resolve(event);
};
