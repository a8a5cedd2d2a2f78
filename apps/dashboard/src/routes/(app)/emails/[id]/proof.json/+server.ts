import type { RequestHandler } from './$types';
import { proofResponse } from '$lib/server/emails/proof';

/** "Download proof": the email's proof bundle (session-authenticated, own organisation only). */
export const GET: RequestHandler = async ({ locals, platform, params }) =>
  proofResponse(locals, platform?.env, params.id, new Date());
