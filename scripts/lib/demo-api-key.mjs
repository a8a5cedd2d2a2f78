// The demo's API key of Acme (`read` and `send`), for the curl examples of docs/guides/api.md:
// kept as `api-key` in the demo's work directory like the operations token, so an exported
// KURATCHI_API_KEY stays valid when the demo restarts; scripts/dev.mjs seeds its hash.
//   export KURATCHI_API_KEY=$(cat .wrangler/demo/api-key)
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the dashboard issues (apps/dashboard/src/lib/server/api/keys.ts). */
const KEY = /^kuratchi_([a-z0-9]{16})_[A-Za-z0-9_-]{43}$/;

/**
 * The demo's API key, kept across runs in `dir`, made fresh (as the dashboard makes one: a
 * 16-hex id and 32 random bytes, base64url) when missing; with the row the admin database keeps
 * (its SHA-256 only).
 * @param {string} dir the demo's work directory (`<state dir>/demo`)
 * @param {string} organizationId
 * @returns {{ key: string, file: string, row: { id: string, organizationId: string, name: string, scopes: string, keyHash: string } }}
 */
export function demoApiKey(dir, organizationId) {
  const file = join(dir, 'api-key');
  let key = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!KEY.test(key)) {
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex');
    key = `kuratchi_${id}_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`;
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const id = /** @type {string} */ (KEY.exec(key)?.[1]);
  const keyHash = createHash('sha256').update(key).digest('hex');
  return { key, file, row: { id, organizationId, name: 'demo', scopes: 'read,send', keyHash } };
}
