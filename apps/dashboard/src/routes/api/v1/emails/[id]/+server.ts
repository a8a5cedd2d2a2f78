import { getEmail } from '$lib/server/api/emails';

export const GET = getEmail;
