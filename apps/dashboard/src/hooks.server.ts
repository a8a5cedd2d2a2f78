import type { Handle } from '@sveltejs/kit';
import { crossSiteFormRejection } from '$lib/server/csrf';
import { createKuratchiLocals } from '$lib/server/locals';

export const handle: Handle = async ({ event, resolve }) => {
  const rejection = crossSiteFormRejection(event.request, event.url);
  if (rejection) return rejection;
  event.locals.kuratchi = createKuratchiLocals(event.platform?.env);
  return resolve(event);
};
