// The certificate check of `kuratchi-ses verify-proof` (dist/cli/sns-certificate-trust.js, Node's
// X509Certificate): the 19 genuine AWS-signed messages (2012 to 2026) verify with their topic and
// their certificate chains to a pinned Amazon (or retired VeriSign) root as of their Timestamp; a
// self-made certificate at an SNS URL, a genuine one out of its validity or without the roots,
// and untrusted intermediates in the bundle are refused.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { createSigningKeyCache, verifySnsMessageWithCertificate } from 'kuratchi-sdk/internal/verify';
import { createSnsCertificateTrust } from '../../dist/cli/sns-certificate-trust.js';

const GENUINE = fileURLToPath(new URL('../../src/lib/email/sns/fixtures/genuine/', import.meta.url));
const trust = createSnsCertificateTrust();

async function genuine() {
  const names = (await readdir(GENUINE)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  return Promise.all(
    names.map(async (name) => {
      const message = JSON.parse(await readFile(`${GENUINE}${name}.json`, 'utf8'));
      const url = message.SigningCertURL ?? message.SigningCertUrl;
      return { name, message, url, pem: await readFile(`${GENUINE}${name}.pem`, 'utf8') };
    }),
  );
}

describe('the SNS certificate check of verify-proof', () => {
  it('proves every genuine message with its topic: signature, and a chain to a pinned root at its Timestamp', async () => {
    const fixtures = await genuine();
    assert.equal(fixtures.length, 19);
    for (const { name, message, url, pem } of fixtures) {
      const at = new Date(message.Timestamp);
      const verified = await verifySnsMessageWithCertificate(
        { ...message, SigningCertURL: url },
        {
          now: at,
          allowedTopicArns: [message.TopicArn],
          fetchCertificate: async () => pem,
          keyCache: createSigningKeyCache(),
        },
      );
      await assert.doesNotReject(async () => trust({ url: verified.certificateUrl, pem, chain: [], at }), name);
    }
  });

  it('refuses a self-made certificate at an SNS URL, even with itself as a bundled intermediate', async () => {
    const signer = await createSnsSigner();
    const url = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
    const at = new Date();
    for (const chain of [[], [signer.certificatePem]]) {
      assert.throws(
        () => trust({ url, pem: signer.certificatePem, chain, at }),
        /no chain to a pinned Amazon root|names neither/,
      );
    }
  });

  it('refuses a genuine certificate outside its validity, or when the Amazon roots are not in the store', async () => {
    const [{ url, pem, message }] = (await genuine()).filter((f) => f.name === 'us-west-2-notification-v1');
    assert.throws(() => trust({ url, pem, chain: [], at: new Date('2027-01-01T00:00:00Z') }), /was not valid at/);
    const rootless = createSnsCertificateTrust({ rootStore: [] });
    assert.throws(
      () => rootless({ url, pem, chain: [], at: new Date(message.Timestamp) }),
      /no chain to a pinned Amazon root/,
    );
  });
});
