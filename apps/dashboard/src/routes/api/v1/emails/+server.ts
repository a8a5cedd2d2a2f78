import { listEmails } from '$lib/server/api/emails';
import { sendEmailRoute } from '$lib/server/api/send';

export const GET = listEmails;
export const POST = sendEmailRoute;
