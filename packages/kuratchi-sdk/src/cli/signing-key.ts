import { chmod, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { SelfSignedCertificate } from 'kuratchi-sdk/email/testing';
import { readTextFile } from './read-file.js';
import { UsageError } from './usage-error.js';

/**
 * The signing key and certificate of `simulate`: read from a PEM bundle file (a `PRIVATE KEY`
 * block, PKCS#8, then a `CERTIFICATE` block), or made fresh and, when a path is given, written
 * there (mode 0600) so later runs sign with the same key the webhook already trusts.
 */
export async function loadOrCreateSigningKey(
  path: string | undefined,
): Promise<{ certificate: SelfSignedCertificate; created: boolean }> {
  if (path && existsSync(path))
    return { certificate: parseBundle(await readTextFile(path, '--key file'), path), created: false };
  const { createSelfSignedCertificate } = await import('kuratchi-sdk/email/testing');
  const certificate = await createSelfSignedCertificate();
  if (path) {
    await writeFile(path, `${pemBlock('PRIVATE KEY', new Uint8Array(certificate.privateKeyPkcs8))}${certificate.pem}`, {
      mode: 0o600,
    });
    await chmod(path, 0o600);
  }
  return { certificate, created: true };
}

function parseBundle(text: string, path: string): SelfSignedCertificate {
  const key = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(text);
  const certificate = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\n?/.exec(text);
  if (!key || !certificate) {
    throw new UsageError(
      `--key ${path} must hold a PEM "PRIVATE KEY" (PKCS#8) and a "CERTIFICATE" block, as simulate writes it`,
    );
  }
  const der = Buffer.from(key[1]!.replace(/\s+/g, ''), 'base64');
  const pem = certificate[0].endsWith('\n') ? certificate[0] : `${certificate[0]}\n`;
  return { pem, privateKeyPkcs8: der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer };
}

function pemBlock(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
