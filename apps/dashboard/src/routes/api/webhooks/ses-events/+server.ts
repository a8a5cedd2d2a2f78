import type { RequestHandler } from './$types';
import { handleSesWebhook } from '$lib/server/ses-webhook';

/** Amazon SNS delivers SES events here (HTTPS subscription of the SES event topic). */
export const POST: RequestHandler = ({ request, url, platform }) => handleSesWebhook({ request, url, platform });
