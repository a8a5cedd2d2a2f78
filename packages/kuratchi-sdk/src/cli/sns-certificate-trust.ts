import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { SnsCertificateTrust } from 'kuratchi-sdk/internal/events';
import { SNS_INTERMEDIATES, SNS_RETIRED_ROOTS } from './sns-trust-anchors.js';

/** The roots Amazon's own CAs chain to, by subject, in Node's (Mozilla's) root store. */
const AMAZON_ROOT = /^C=US\nO=Amazon\nCN=Amazon Root CA [1-4]$/;
/** SNS's name: every genuine certificate we hold names it, whatever region's host served it. */
const SNS_GLOBAL_HOST = 'sns.amazonaws.com';
/** Leaf, at most two intermediates, root. */
const MAX_CHAIN = 4;

interface Anchor {
  certificate: X509Certificate;
  trustedUntil?: Date;
}

/** Options of {@link createSnsCertificateTrust}; the defaults are the pinned ones. */
export interface SnsCertificateTrustOptions {
  /** Root certificates (PEM) in the store; default Node's `tls.rootCertificates`, of which only Amazon Root CA 1 to 4 count. */
  rootStore?: readonly string[];
}

/**
 * The check `kuratchi-ses verify-proof` makes of each bundled SNS signing certificate (node:crypto
 * X509Certificate, no hand-written ASN.1), as of the message's Timestamp: it names the
 * SigningCertURL's host or `sns.amazonaws.com` (no wildcard), is not a CA, and chains through CA
 * certificates (the pinned intermediates, or the bundle's own: untrusted input) to Amazon Root CA 1
 * to 4 of Node's root store or a retired VeriSign root still trusted at that time; every link's
 * issuer name and signature check, and every certificate was valid at that time.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.1 (path validation)
 */
export function createSnsCertificateTrust(options: SnsCertificateTrustOptions = {}): SnsCertificateTrust {
  const amazonRoots = (options.rootStore ?? rootCertificates)
    .map((pem) => new X509Certificate(pem))
    .filter((root) => AMAZON_ROOT.test(root.subject));
  const anchors: Anchor[] = [
    ...amazonRoots.map((certificate) => ({ certificate })),
    ...SNS_RETIRED_ROOTS.map((root) => ({
      certificate: new X509Certificate(root.pem),
      trustedUntil: root.trustedUntil,
    })),
  ];
  const pinned = SNS_INTERMEDIATES.map((pem) => new X509Certificate(pem));

  return ({ url, pem, chain, at }) => {
    const leaf = new X509Certificate(pem);
    const host = new URL(url).hostname;
    if (!leaf.checkHost(host, { wildcards: false }) && !leaf.checkHost(SNS_GLOBAL_HOST, { wildcards: false })) {
      throw new Error(`it names neither ${host} nor ${SNS_GLOBAL_HOST} (subject ${oneLine(leaf.subject)})`);
    }
    if (leaf.ca) throw new Error('it is a CA certificate');
    const intermediates = [...pinned, ...chain.map((c) => new X509Certificate(c))].filter((c) => c.ca);
    let current = leaf;
    for (let depth = 1; depth < MAX_CHAIN; depth++) {
      assertValidAt(current, at);
      const root = anchors.find((a) => issues(a.certificate, current));
      if (root) {
        assertValidAt(root.certificate, at);
        if (root.trustedUntil && at >= root.trustedUntil) {
          throw new Error(
            `its root ${cn(root.certificate.subject)} is trusted only before ${root.trustedUntil.toISOString()}`,
          );
        }
        return;
      }
      const issuer = intermediates.find((c) => c !== current && issues(c, current));
      if (!issuer) throw new Error(`no chain to a pinned Amazon root (issuer ${oneLine(current.issuer)})`);
      current = issuer;
    }
    throw new Error(`no chain to a pinned Amazon root within ${MAX_CHAIN} certificates`);
  };
}

function issues(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

function assertValidAt(certificate: X509Certificate, at: Date): void {
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  if (!(from <= at.getTime() && at.getTime() <= to)) {
    throw new Error(`${cn(certificate.subject)} was not valid at ${at.toISOString()}`);
  }
}

function oneLine(name: string): string {
  return name.replace(/\n/g, ', ');
}

function cn(name: string): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(name)?.[1] ?? oneLine(name);
}
