import type { RequestHandler } from './$types';
import { receiveSesStatusEvent } from '$lib/server/reputation/ses-view';

/** SES tenant status events from an EventBridge API destination (its own key header). */
export const POST: RequestHandler = ({ request, platform }) => receiveSesStatusEvent(request, platform!.env);
