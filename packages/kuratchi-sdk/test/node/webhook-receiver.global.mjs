// vitest globalSetup (runs in Node): the outbound webhooks receiver on 127.0.0.1:8863 for the
// webhooks queue tests (src/lib/email/webhooks/webhook-consumer.test.ts), given to them as
// `webhookReceiverUrl`. Port 8863: the demo's receiver listens on 8862.
import { startWebhookReceiver } from './webhook-receiver.mjs';

export default async function setup(project) {
  const receiver = await startWebhookReceiver({ port: 8863 });
  project.provide('webhookReceiverUrl', receiver.url);
  return () => receiver.close();
}
