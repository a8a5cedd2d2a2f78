// The demo's Amazon SES: a local HTTP server on 127.0.0.1 (a free port) that the Worker's own
// SESv2 client reaches through AWS_ENDPOINT_URL, so the canary, reconciliation and the reputation
// guard run in `pnpm dev` without AWS. It answers the SESv2 REST calls the Worker makes and plays
// the mailbox simulator the way SES documents it: each message to a simulator address gets its
// Send event, then the scenario's outcome, published as signed SNS notifications to the webhook
// a moment later, through the same path real events take (webhook, queue, D1).
//   POST /v2/email/outbound-emails                       SendEmail: a MessageId, then the events
//   GET  /v2/email/account                               GetAccount: Virtual Deliverability Manager on
//   GET  /v2/email/insights/{MessageId}                  GetMessageInsights: what it published of
//                                                        a message it sent; else NotFoundException
//   PUT  /v2/email/configuration-sets/{name}/sending     PutConfigurationSetSendingOptions: 200
//   the tenant calls, and SendEmail refused for a DISABLED tenant   ./ses-tenants.mjs
//   /v2/email/suppression/addresses…                     the suppression lists: ses-suppressions.mjs
// Anything else answers 400 BadRequestException, naming the call (a new call is then visible).
// https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
import { createServer } from 'node:http';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { createTenantSimulator } from './ses-tenants.mjs';
import { createSuppressionLists } from './ses-suppressions.mjs';

/**
 * The outcome events of each mailbox simulator scenario, after the Send event every message of a
 * configuration set publishes: success and ooto are delivered, bounce and suppressionlist hard
 * bounce, complaint is delivered and then complained about.
 */
const OUTCOMES = {
  success: [{ eventType: 'Delivery' }],
  ooto: [{ eventType: 'Delivery' }],
  bounce: [{ eventType: 'Bounce', bounceType: 'Permanent', bounceSubType: 'General' }],
  suppressionlist: [{ eventType: 'Bounce', bounceType: 'Permanent', bounceSubType: 'Suppressed' }],
  complaint: [{ eventType: 'Delivery' }, { eventType: 'Complaint' }],
};
/** A message to an address outside the simulator: delivered (the demo sends nowhere else). */
const ELSEWHERE = [{ eventType: 'Delivery' }];

/**
 * Starts the simulator; resolves to its endpoint once it listens.
 * @param {{
 *   signer: import('kuratchi-sdk/email/testing').SnsSigner,
 *   topicArn: string,
 *   webhookUrl: () => string,
 *   log: (line: string) => void,
 *   delayMs?: number,
 * }} options `webhookUrl` is read when events are published (the Worker may start after this).
 * @returns {Promise<{ endpoint: string, close: () => void }>}
 */
export function startSesSimulator({ signer, topicArn, webhookUrl, log, delayMs = 1500 }) {
  let sent = 0;
  /** MessageId → the GetMessageInsights answer of what was published so far. */
  const insights = new Map();
  const tenants = createTenantSimulator(log);
  const suppressions = createSuppressionLists(log);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const answer = (status, body, headers = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (req.method === 'POST' && path === '/v2/email/outbound-emails') {
        let input;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return answer(400, { message: 'the body is not JSON' }, { 'x-amzn-errortype': 'BadRequestException' });
        }
        const refused = tenants.refusal(input);
        if (refused) return answer(refused.status, refused.body, refused.headers);
        const messageId = `0100demo-${Date.now().toString(16)}-${String(++sent).padStart(6, '0')}-000000`;
        answer(200, { MessageId: messageId });
        publish(messageId, input).catch((error) => log(`  ✗ demo SES: events of ${messageId} not published: ${error}`));
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const tenantAnswer = tenants.answer(req.method ?? 'GET', path, body ? safeJson(body) : {});
      if (tenantAnswer) return answer(tenantAnswer.status, tenantAnswer.body, tenantAnswer.headers);
      if (req.method === 'GET' && path === '/v2/email/account')
        return answer(200, {
          SendingEnabled: true,
          ProductionAccessEnabled: true,
          EnforcementStatus: 'HEALTHY',
          VdmAttributes: { VdmEnabled: 'ENABLED' },
        });
      const asked = /^\/v2\/email\/insights\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && asked) {
        const known = insights.get(decodeURIComponent(asked[1]));
        if (known) return answer(200, known);
        return answer(
          404,
          { message: 'the demo SES did not send this message' },
          { 'x-amzn-errortype': 'NotFoundException' },
        );
      }
      if (req.method === 'PUT' && /^\/v2\/email\/configuration-sets\/[^/]+\/sending$/.test(path)) {
        const name = decodeURIComponent(path.split('/')[4]);
        log(`  demo SES ← PutConfigurationSetSendingOptions ${name} ${Buffer.concat(chunks).toString('utf8')}`);
        return answer(200, {});
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (suppressions.handle(req.method ?? 'GET', url, Buffer.concat(chunks).toString('utf8'), answer)) return;
      answer(
        400,
        { message: `the demo SES does not simulate ${req.method} ${path}` },
        { 'x-amzn-errortype': 'BadRequestException' },
      );
    });
  });

  /** Publishes the message's Send event, then each recipient's outcome, to the webhook. */
  async function publish(messageId, input) {
    const to = input.Destination?.ToAddresses ?? [];
    const cc = input.Destination?.CcAddresses ?? [];
    const bcc = input.Destination?.BccAddresses ?? [];
    const common = {
      messageId,
      to,
      cc,
      bcc,
      from: input.FromEmailAddress,
      subject: input.Content?.Simple?.Subject?.Data,
      tags: Object.fromEntries((input.EmailTags ?? []).map((tag) => [tag.Name, [tag.Value]])),
    };
    const sentAt = new Date();
    const destinations = [...to, ...cc, ...bcc].map((address) => ({
      Destination: address,
      Isp: 'demo',
      Events: [{ Timestamp: sentAt.getTime() / 1000, Type: 'SEND' }],
    }));
    insights.set(messageId, {
      MessageId: messageId,
      FromEmailAddress: input.FromEmailAddress,
      Subject: common.subject,
      EmailTags: input.EmailTags ?? [],
      Insights: destinations,
    });
    await wait(delayMs / 3);
    await post(buildSesEvent({ ...common, eventType: 'Send', time: sentAt }));
    for (const [i, recipient] of [...to, ...cc, ...bcc].entries()) {
      const [local, domain] = recipient.toLowerCase().split('@');
      const scenario = domain === 'simulator.amazonses.com' ? local.split('+')[0] : null;
      for (const outcome of (scenario && OUTCOMES[scenario]) ?? ELSEWHERE) {
        await wait(delayMs / 3);
        const time = new Date();
        destinations[i].Events.push(insightsEvent(outcome, time));
        await post(buildSesEvent({ ...common, ...outcome, recipient, recipients: [recipient], sentAt, time }));
      }
    }
  }

  async function post(event) {
    const message = await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: topicArn,
      Message: JSON.stringify(event),
      Timestamp: new Date().toISOString(),
    });
    // As SNS's default HTTP/S delivery policy: a 5xx (or no answer) is tried again, up to three
    // times (SNS waits 20 s between them; the demo 1 s). A 4xx is not.
    // https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.retry.html
    for (let attempt = 0; ; attempt++) {
      const status = await fetch(webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
        body: JSON.stringify(message),
      }).then(
        async (response) => (await response.body?.cancel(), response.status),
        () => null,
      );
      if (status !== null && status < 300) return;
      const again = attempt < 3 && (status === null || status >= 500);
      log(
        `  ✗ demo SES: the webhook answered ${status ?? 'nothing'} to a ${event.eventType} event${again ? ', tried again in 1 s' : ''}`,
      );
      if (!again) return;
      await wait(1000);
    }
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.unref();
      resolve({ endpoint: `http://127.0.0.1:${port}`, close: () => server.close() });
    });
  });
}

/**
 * An outcome as GetMessageInsights lists it (REST-JSON: Timestamp in epoch seconds).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_InsightsEvent.html
 */
function insightsEvent(outcome, time) {
  const Timestamp = time.getTime() / 1000;
  if (outcome.eventType === 'Bounce')
    return {
      Timestamp,
      Type: 'BOUNCE',
      Details: { Bounce: { BounceType: outcome.bounceType.toUpperCase(), BounceSubType: outcome.bounceSubType } },
    };
  if (outcome.eventType === 'Complaint')
    return { Timestamp, Type: 'COMPLAINT', Details: { Complaint: { ComplaintFeedbackType: 'abuse' } } };
  return { Timestamp, Type: 'DELIVERY' };
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
