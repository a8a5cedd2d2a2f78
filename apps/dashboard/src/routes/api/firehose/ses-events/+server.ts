import type { RequestHandler } from './$types';
import { handleFirehoseDelivery } from '$lib/server/firehose';

/** Amazon Data Firehose delivers SES event records here (HTTP endpoint destination, access key). */
export const POST: RequestHandler = ({ request, platform }) => handleFirehoseDelivery({ request, platform });
