// A receiver of outbound webhooks on 127.0.0.1, as a customer would run one: every delivery is
// verified with the published `standardwebhooks` package against the secrets it was given for
// its path. Its paths choose an answer: /ok/<key> 204, /fail/<key> 500, /slow/<key> never answers,
// /gone/<key> 410, /redirect/<key> 302 to /ok/<key> (which must never be followed). POST /clock
// (epoch ms) makes it judge `webhook-timestamp` by a test's pinned clock instead of its own. Used by the
// SDK's queue tests (webhook-receiver.global.mjs) and by `pnpm dev`'s demo (scripts/demo/).
// https://github.com/standard-webhooks/standard-webhooks/tree/main/libraries/javascript
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** Tolerance of `webhook-timestamp`, as the package's (5 minutes). */
const TOLERANCE_S = 5 * 60;

/**
 * The published verifier, judging the timestamp by `nowMs` (a test's pinned clock) rather than
 * the machine's: the signature check is the package's own.
 * @param {string} secret
 * @param {number} nowMs
 */
function clockedWebhook(secret, nowMs) {
  const verifier = new Webhook(secret);
  // The package's timestamp check, on `nowMs` (the method is private in its types).
  /** @type {any} */ (verifier).verifyTimestamp = (/** @type {string} */ header) => {
    const timestamp = Number.parseInt(header, 10);
    if (!(Math.abs(Math.floor(nowMs / 1000) - timestamp) <= TOLERANCE_S)) throw new Error('timestamp out of tolerance');
    return new Date(timestamp * 1000);
  };
  return verifier;
}

/**
 * Starts the receiver (port 0: one the system picks, in `url`). `secrets` maps a key (the last path segment) to the `whsec_` secrets that
 * may have signed its deliveries; POST /secrets/<key> (a JSON array) sets them at run time.
 * @param {{ port: number, secrets?: Record<string, string[]>, onDelivery?: (d: object) => void }} options
 */
export async function startWebhookReceiver({ port, secrets = {}, onDelivery = () => {} }) {
  const known = new Map(Object.entries(secrets));
  /** @type {number | null} */
  let clockMs = null;
  /** @type {object[]} */
  const log = [];
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const [, behaviour, key] = new URL(request.url ?? '/', 'http://x').pathname.split('/');
    if (request.method === 'POST' && behaviour === 'secrets') {
      known.set(key, JSON.parse(body));
      return response.writeHead(204).end();
    }
    if (request.method === 'POST' && behaviour === 'clock') {
      clockMs = Number(body);
      return response.writeHead(204).end();
    }
    if (request.method === 'GET' && behaviour === 'log') {
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(log));
    }
    const verifiedBy = (known.get(key) ?? []).findIndex((secret) => {
      try {
        const verifier = clockMs === null ? new Webhook(secret) : clockedWebhook(secret, clockMs);
        verifier.verify(body, /** @type {Record<string, string>} */ (request.headers));
        return true;
      } catch {
        return false;
      }
    });
    const delivery = {
      behaviour,
      key,
      id: request.headers['webhook-id'],
      timestamp: Number(request.headers['webhook-timestamp']),
      verified: verifiedBy >= 0,
      verifiedBy,
      signatures: String(request.headers['webhook-signature'] ?? '').split(' ').length,
      body: body ? JSON.parse(body) : null,
    };
    log.push(delivery);
    onDelivery(delivery);
    if (behaviour === 'slow') return; // never answers: the sender's timeout ends it
    if (behaviour === 'fail') return response.writeHead(500).end('failing on purpose');
    if (behaviour === 'gone') return response.writeHead(410).end();
    if (behaviour === 'redirect') return response.writeHead(302, { location: `/ok/${key}` }).end();
    response.writeHead(delivery.verified ? 204 : 401).end();
  });
  await new Promise((resolve, reject) =>
    server.once('error', reject).listen(Number(port), '127.0.0.1', () => resolve(undefined)),
  );
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
