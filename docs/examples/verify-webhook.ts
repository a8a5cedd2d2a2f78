import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** The body kuratchi POSTs: the Standard Webhooks payload structure. */
interface KuratchiWebhook {
  type: string; // 'email.delivered', 'email.bounced'…
  timestamp: string; // the event's own time
  data: { organizationId: string; emailId: string; sesEvent: unknown };
}

/** A receiver's handler: verify first (raw body, all three headers), then deduplicate by `webhook-id`. */
export async function receive(request: Request, secret: string, seen: Set<string>): Promise<Response> {
  const body = await request.text();
  let payload: KuratchiWebhook;
  try {
    payload = new Webhook(secret).verify(body, Object.fromEntries(request.headers)) as KuratchiWebhook;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return new Response('bad signature', { status: 401 });
    throw error;
  }
  const id = request.headers.get('webhook-id')!;
  if (!seen.has(id)) {
    seen.add(id);
    console.log(payload.type, payload.data.emailId);
  }
  return new Response(null, { status: 204 });
}
