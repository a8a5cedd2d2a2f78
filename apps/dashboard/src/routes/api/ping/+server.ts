import type { RequestHandler } from './$types';
import { discardBody } from 'kuratchi-sdk/internal/verify';

/** Liveness probe (and the trivial baseline of the webhook benchmark): always 200, no I/O. */
export const GET: RequestHandler = () => new Response('ok');
export const POST: RequestHandler = async ({ request }) => {
  await discardBody(request);
  return new Response('ok');
};
