// The demo's operations token: scripts/dev.mjs passes it to the Worker as KURATCHI_OPS_TOKEN, so
// that `kuratchi-ses` talks to the demo as to any deployment, and keeps it as `ops-token` in its
// work directory, where scripts, tests and a shell read it:
//   export KURATCHI_OPS_TOKEN=$(cat .wrangler/demo/ops-token)
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file's name in the demo's work directory. */
const FILE = 'ops-token';

/** What the Worker's settings accept (apps/dashboard/src/lib/server/settings/rules.ts `token`). */
const TOKEN = /^[A-Za-z0-9_-]{32,}$/;

/**
 * The path of the demo's operations token in its work directory.
 * @param {string} dir the demo's work directory (`<state dir>/demo`)
 */
export function demoOpsTokenFile(dir) {
  return join(dir, FILE);
}

/**
 * The demo's operations token, kept across runs in `dir` (so an exported KURATCHI_OPS_TOKEN stays
 * valid when the demo restarts), made fresh when the file is missing or holds no valid token: 32
 * random bytes from WebCrypto, base64url (43 characters), written with mode 0600.
 * @param {string} dir the demo's work directory (`<state dir>/demo`)
 * @returns {{ token: string, file: string, created: boolean }}
 * @see https://developers.cloudflare.com/workers/configuration/secrets/
 * @see https://nodejs.org/api/webcrypto.html#cryptogetrandomvaluestypedarray
 */
export function demoOpsToken(dir) {
  const file = demoOpsTokenFile(dir);
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (TOKEN.test(kept)) return { token: kept, file, created: false };
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, created: true };
}

/**
 * The demo's operations token as scripts/dev.mjs kept it in `dir`.
 * @param {string} dir the demo's work directory (`<state dir>/demo`)
 * @throws {Error} when the demo has not written it yet
 */
export function readDemoOpsToken(dir) {
  return readFileSync(demoOpsTokenFile(dir), 'utf8').trim();
}
