import type { RequestHandler } from './$types';
import { retentionAnswer } from '$lib/server/retention/manage';

/** An organisation's retention (bearer token): see retention/manage.ts. */
export const GET: RequestHandler = ({ request, params, platform }) =>
  retentionAnswer(platform!.env, params.id, request, new Date());

/** Sets an organisation's retention (bearer token): see retention/manage.ts. */
export const PUT: RequestHandler = ({ request, params, platform }) =>
  retentionAnswer(platform!.env, params.id, request, new Date());
