import type { RequestHandler } from './$types';

/** Liveness probe (and the trivial baseline of the webhook benchmark): always 200, no I/O. */
export const GET: RequestHandler = () => new Response('ok');
export const POST: RequestHandler = async ({ request }) => {
  await request.body?.cancel();
  return new Response('ok');
};
