// vitest globalSetup (runs in Node): the outbound webhooks receiver on 127.0.0.1 for the
// webhooks queue tests (src/lib/email/webhooks/webhook-consumer.test.ts), given to them as
// `webhookReceiverUrl`, on a port the system picks (two runs on one machine never collide).
import { startWebhookReceiver } from './webhook-receiver.mjs';

export default async function setup(project) {
  const receiver = await startWebhookReceiver({ port: 0 });
  project.provide('webhookReceiverUrl', receiver.url);
  return () => receiver.close();
}
