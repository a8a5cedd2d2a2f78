// The public API of the built package, by concern: every subpath of `exports` loads, the root
// `kuratchi-sdk/email` keeps to the few names the guides use, and no internal helper or zod
// schema is reachable through a public barrel (internals stay importable inside the package).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
/** Subpaths that run only in a Worker (they import `cloudflare:workers`): not loadable in Node. */
const WORKER_ONLY = ['./email/durable-object'];
const SUBPATHS = Object.keys(pkg.exports).filter((key) => key.startsWith('./email') && !WORKER_ONLY.includes(key));

/** The names of `kuratchi-sdk/email`: what docs/*.md import from it. */
const ROOT = [
  'InvalidOptionsError',
  'OrgDatabaseError',
  'SesEventParseError',
  'SnsMessageError',
  'SnsVerificationError',
  'addSuppression',
  'applyEvent',
  'createD1AdminStore',
  'createD1OrgEmailStore',
  'createEmailSender',
  'createOrgDatabaseClient',
  'createSesEventIngestor',
  'createSigningKeyCache',
  'findSuppressedRecipients',
  'getAdminDb',
  'getSESEventTrackingStatus',
  'initialTracking',
  'listSuppressions',
  'parseSesEvent',
  'removeSuppression',
  'sendEmail',
  'setupSESEventTracking',
  'teardownSESEventTracking',
  'verifySnsMessage',
];

/** Helpers of the implementation: importable inside the package, never from a public barrel. */
const INTERNAL = [
  'snsStringToSign',
  'signatureHashOf',
  'isSnsHost',
  'snsHostOfTopic',
  'readSigningCertificate',
  'snsMessageSchema',
  'sesEventSchema',
  'compileTrackingEffects',
  'detailsKey',
  'statusRank',
  'parkLimits',
  'applyParkedEvent',
  'recordRouted',
  'recordEventInput',
  'maxParked',
  'redactUrl',
  'describeAwsError',
  'isAwsError',
  'sameEndpoint',
  'parseOptions',
  'resolveSesClient',
  'encodeEmailLogCursor',
  'decodeEmailLogCursor',
  'createD1OutgoingEmailStore',
  'createD1SuppressionStore',
  'createD1ParkStore',
  'utf8',
  'utf8ByteLength',
  'base64ToBytes',
  'bytesToBase64',
];

describe('the public API by concern', () => {
  it('exports the subpaths of the concerns, each with types and import conditions', () => {
    assert.deepEqual(SUBPATHS, [
      './email',
      './email/verify',
      './email/events',
      './email/d1',
      './email/send',
      './email/setup',
      './email/reconcile',
      './email/canary',
      './email/testing',
      './email/guard',
      './email/encoding',
      './email/aws-names',
    ]);
    for (const subpath of [...SUBPATHS, ...WORKER_ONLY]) {
      assert.deepEqual(Object.keys(pkg.exports[subpath]), ['types', 'import'], subpath);
    }
  });

  it("kuratchi-sdk/email holds the guides' names only (25 at most), each from its concern", async () => {
    const root = await import('kuratchi-sdk/email');
    assert.deepEqual(Object.keys(root).sort(), [...ROOT].sort());
    assert.ok(ROOT.length <= 25);
    const concerns = await Promise.all(
      SUBPATHS.filter((s) => s !== './email').map((s) => import(`kuratchi-sdk${s.slice(1)}`)),
    );
    for (const name of ROOT) {
      assert.ok(
        concerns.some((concern) => concern[name] === root[name]),
        `${name} is the same value in a concern's subpath`,
      );
    }
    const types = await readFile(new URL(`../../${pkg.exports['./email'].types}`, import.meta.url), 'utf8');
    assert.doesNotMatch(types, /export type/, 'the root exports no type: types come from the concerns');
  });

  it('kuratchi-sdk/email/durable-object declares the organisation Durable Object class for Workers', async () => {
    const types = await readFile(
      new URL(`../../${pkg.exports['./email/durable-object'].types}`, import.meta.url),
      'utf8',
    );
    assert.match(types, /OrganizationDatabase/);
    const js = await readFile(
      new URL(`../../${pkg.exports['./email/durable-object'].import}`, import.meta.url),
      'utf8',
    );
    assert.match(js, /export \{ OrganizationDatabase \}/);
  });

  // The two shared modules the dashboard imports are those helpers (base64; the AWS names rule).
  const SHARED = ['./email/encoding', './email/aws-names'];
  for (const subpath of SUBPATHS) {
    it(`kuratchi-sdk${subpath.slice(1)} exposes no internal helper and no zod schema`, async () => {
      const api = await import(`kuratchi-sdk${subpath.slice(1)}`);
      assert.ok(Object.keys(api).length > 0);
      if (!SHARED.includes(subpath))
        for (const name of INTERNAL) assert.equal(name in api, false, `${name} is internal`);
      for (const [name, value] of Object.entries(api)) {
        assert.equal(typeof value?.safeParse, 'undefined', `${name} is a zod schema`);
      }
    });
  }
});
