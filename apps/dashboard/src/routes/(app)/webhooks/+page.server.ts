import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { WEBHOOK_EVENT_TYPES, listWebhookEndpoints } from 'kuratchi-sdk/internal/webhooks';
import { deleteEndpoint, enableEndpoint, registerEndpoint, rotateSecret } from '$lib/server/webhooks/endpoint-forms';

/** The organisation's webhook endpoints and the event types one can choose. */
export const load: PageServerLoad = async ({ locals }) => {
  if (!locals.session) error(401, 'Sign in first');
  const endpoints = await listWebhookEndpoints(locals.kuratchi.getAdminDb(), locals.session.organization.id);
  return { endpoints, eventTypes: WEBHOOK_EVENT_TYPES };
};

export const actions: Actions = {
  register: async ({ locals, platform, request }) => registerEndpoint(locals, platform?.env, await request.formData()),
  rotate: async ({ locals, request }) => rotateSecret(locals, await request.formData()),
  enable: async ({ locals, request }) => enableEndpoint(locals, await request.formData()),
  delete: async ({ locals, request }) => deleteEndpoint(locals, await request.formData()),
};
