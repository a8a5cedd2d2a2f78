// The demo's SNS signing key on disk: scripts/dev.mjs makes a fresh self-signed certificate, which
// the development Worker trusts (KURATCHI_SNS_DEV_CERTIFICATE_PEM), and saves it with its topic as
// `signer.json` in its work directory, so that other local tools (the end-to-end tests, the
// benchmarks) sign messages the Worker accepts; and as `simulate-key.pem`, the PEM bundle that
// `kuratchi-ses simulate --key` reads.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';

/** @typedef {import('kuratchi-sdk/email/testing').SnsSigner} SnsSigner */

/** The file's name in the demo's work directory. */
const FILE = 'signer.json';

/** The same key as `kuratchi-ses simulate --key` reads it: a PKCS#8 `PRIVATE KEY`, then the `CERTIFICATE`. */
export const SIMULATE_KEY_FILE = 'simulate-key.pem';

/**
 * Saves `signer` (certificate, its SigningCertURL for `topicArn`, private key) and `topicArn` in
 * `dir`, and the key with its certificate as {@link SIMULATE_KEY_FILE} (mode 0600).
 * @param {string} dir the demo's work directory (`<state dir>/demo`)
 * @param {SnsSigner} signer
 * @param {string} topicArn
 */
export function writeDemoSigner(dir, signer, topicArn) {
  writeFileSync(
    join(dir, FILE),
    JSON.stringify({
      topicArn,
      certUrl: signer.certUrlFor(topicArn),
      certificatePem: signer.certificatePem,
      privateKeyPkcs8: Buffer.from(signer.certificate.privateKeyPkcs8).toString('base64'),
    }),
  );
  const key =
    Buffer.from(signer.certificate.privateKeyPkcs8)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  const bundle = join(dir, SIMULATE_KEY_FILE);
  writeFileSync(
    bundle,
    `-----BEGIN PRIVATE KEY-----\n${key.join('\n')}\n-----END PRIVATE KEY-----\n${signer.certificatePem}`,
    {
      mode: 0o600,
    },
  );
  chmodSync(bundle, 0o600);
}

/**
 * The signer saved by {@link writeDemoSigner} in `dir`, and its topic.
 * @param {string} dir the demo's work directory (`<state dir>/demo`)
 * @returns {Promise<{ signer: SnsSigner, topicArn: string }>}
 */
export async function readDemoSigner(dir) {
  const saved = JSON.parse(readFileSync(join(dir, FILE), 'utf8'));
  const key = Uint8Array.from(Buffer.from(saved.privateKeyPkcs8, 'base64'));
  return {
    topicArn: saved.topicArn,
    signer: await createSnsSigner({
      certUrl: saved.certUrl,
      certificate: { pem: saved.certificatePem, privateKeyPkcs8: key.buffer },
    }),
  };
}
