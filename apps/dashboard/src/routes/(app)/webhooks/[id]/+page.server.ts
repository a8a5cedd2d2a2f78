import type { Actions, PageServerLoad } from './$types';
import { endpointDeliveries, replayDeliveries } from '$lib/server/webhooks/deliveries';

/** One endpoint's recent deliveries. */
export const load: PageServerLoad = ({ locals, params }) => endpointDeliveries(locals, params.id);

export const actions: Actions = {
  replay: async ({ locals, platform, params, request }) =>
    replayDeliveries(locals, platform?.env, params.id, await request.formData()),
};
