// The demo's alert webhook: a local HTTP server on 127.0.0.1 (a free port) that receives what the
// Worker's alerts job POSTs (KURATCHI_ALERT_WEBHOOK_URL, a Slack-style JSON body), prints one line
// per alert and appends each body to a JSON-lines file, emptied at start (the end-to-end tests read it).
import { createServer } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';

/**
 * Starts the sink; resolves to its URL once it listens.
 * @param {{ file: string, log: (line: string) => void }} options
 * @returns {Promise<{ url: string, close: () => void }>}
 */
export function startAlertSink({ file, log }) {
  writeFileSync(file, '');
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const body = JSON.parse(text);
        appendFileSync(file, `${JSON.stringify(body)}\n`);
        log(`  alert webhook ← ${String(body.text ?? '').split('\n')[0]}`);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('expected a JSON body');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.unref();
      resolve({ url: `http://127.0.0.1:${port}/alerts`, close: () => server.close() });
    });
  });
}
