// The public API of the built package: the few subpaths an SDK consumer uses (`kuratchi-sdk/email`,
// `/email/durable-object`, `/email/testing`), the names of each pinned here, so the surface grows
// only on purpose; the parts the kuratchi dashboard and CLI use live under `kuratchi-sdk/internal/*`
// (no stability promise); no internal helper or zod schema is reachable through a public barrel.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));

/** The public subpaths, in package.json order. */
const PUBLIC = ['./email', './email/durable-object', './email/testing'];
/** Subpaths that run only in a Worker (they import `cloudflare:workers`): not loadable in Node. */
const WORKER_ONLY = ['./email/durable-object'];
/** The internal subpaths: the dashboard's and the CLI's, one per part. */
const INTERNAL_SUBPATHS = [
  './internal/verify',
  './internal/events',
  './internal/d1',
  './internal/send',
  './internal/setup',
  './internal/reconcile',
  './internal/canary',
  './internal/guard',
  './internal/retention',
  './internal/tenants',
  './internal/tracking',
  './internal/encoding',
  './internal/aws-names',
  './internal/webhooks',
];

/** The runtime names of `kuratchi-sdk/email` (its types are pinned by the docs' examples). */
const ROOT = [
  'InvalidOptionsError',
  'OrgDatabaseError',
  'SesEventParseError',
  'SnsMessageError',
  'SnsVerificationError',
  'addSuppression',
  'applyEvent',
  'createEmailSender',
  'createEmailTracking',
  'createOrgDatabaseClient',
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

/** The runtime names of `kuratchi-sdk/email/testing`. */
const TESTING = await (async () => Object.keys(await import('kuratchi-sdk/email/testing')).sort())();

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

describe('the public API', () => {
  it('is three subpaths and the migrations; every other part is under kuratchi-sdk/internal/', () => {
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json' && key !== './migrations/*');
    assert.deepEqual(subpaths, [...PUBLIC, ...INTERNAL_SUBPATHS]);
    for (const subpath of subpaths) {
      assert.deepEqual(Object.keys(pkg.exports[subpath]), ['types', 'import'], subpath);
    }
  });

  it('kuratchi-sdk/email exports exactly the pinned names', async () => {
    const root = await import('kuratchi-sdk/email');
    assert.deepEqual(Object.keys(root).sort(), [...ROOT].sort());
  });

  it('kuratchi-sdk/email declares the façade and its options, and the types of what it returns', async () => {
    const types = await readFile(new URL(`../../${pkg.exports['./email'].types}`, import.meta.url), 'utf8');
    for (const name of ['EmailTracking', 'EmailTrackingOptions', 'SendEmailOptions', 'SendEmailResult']) {
      assert.match(types, new RegExp(`\\b${name}\\b`), name);
    }
  });

  it('kuratchi-sdk/email/testing keeps to its helpers (pinned by count, so a new one is a decision)', () => {
    assert.ok(TESTING.includes('createSnsSigner') && TESTING.includes('buildSesEvent'));
    assert.ok(TESTING.length <= 30, `kuratchi-sdk/email/testing exports ${TESTING.length} names`);
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

  for (const subpath of PUBLIC.filter((s) => !WORKER_ONLY.includes(s))) {
    it(`kuratchi-sdk${subpath.slice(1)} exposes no internal helper and no zod schema`, async () => {
      const api = await import(`kuratchi-sdk${subpath.slice(1)}`);
      for (const name of INTERNAL) assert.equal(name in api, false, `${name} is internal`);
      for (const [name, value] of Object.entries(api)) {
        assert.equal(typeof value?.safeParse, 'undefined', `${name} is a zod schema`);
      }
    });
  }

  // The schemas the dashboard's REST API validates with and generates its OpenAPI document
  // from (issue 29 asks for one source); both packages pin the same zod. Nothing else.
  const SHARED_SCHEMAS = { './internal/send': ['emailAddressSchema', 'sendEmailOptionsSchema'] };
  for (const subpath of INTERNAL_SUBPATHS) {
    it(`kuratchi-sdk${subpath.slice(1)} loads and exports no zod schema`, async () => {
      const api = await import(`kuratchi-sdk${subpath.slice(1)}`);
      assert.ok(Object.keys(api).length > 0);
      for (const [name, value] of Object.entries(api)) {
        if (SHARED_SCHEMAS[subpath]?.includes(name)) continue;
        assert.equal(typeof value?.safeParse, 'undefined', `${name} is a zod schema`);
      }
    });
  }
});
