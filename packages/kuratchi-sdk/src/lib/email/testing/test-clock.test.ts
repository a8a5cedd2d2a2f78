import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { createSelfSignedCertificate } from './self-signed-certificate.js';
import { createTestClock, DEFAULT_TEST_NOW } from './test-clock.js';
import { readSigningCertificate } from '../sns/x509.js';

describe('createTestClock', () => {
  it('pins the given instant, or the default one when none is given', () => {
    const clock = createTestClock('2031-02-28T23:59:59.500Z');
    expect(clock.now.toISOString()).toBe('2031-02-28T23:59:59.500Z');
    expect(clock.iso(1000)).toBe('2031-03-01T00:00:00.500Z');
    expect(clock.at(-86_400_000).toISOString()).toBe('2031-02-27T23:59:59.500Z');
    expect(createTestClock('').now.toISOString()).toBe(DEFAULT_TEST_NOW);
    expect(createTestClock().now.toISOString()).toBe(DEFAULT_TEST_NOW);
  });

  it('refuses an instant that is not a date', () => {
    expect(() => createTestClock('yesterday')).toThrow(/the test clock needs an ISO 8601 instant/);
  });

  it('is what the suite runs on: KURATCHI_TEST_NOW when set', () => {
    expect(TEST_NOW.getTime()).toBe(Date.parse(env.KURATCHI_TEST_NOW || DEFAULT_TEST_NOW));
  });
});

describe('createSelfSignedCertificate', () => {
  it('is valid from 2000 to 2099 by default, whatever the real clock says', async () => {
    const { pem } = await createSelfSignedCertificate();
    const certificate = readSigningCertificate(pem);
    expect(certificate.notBefore.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(certificate.notAfter.toISOString()).toBe('2099-12-31T23:59:59.000Z');
  });

  it('takes its validity from the caller, and refuses an empty period', async () => {
    const notBefore = new Date(TEST_NOW.getTime() - 60_000);
    const notAfter = new Date(TEST_NOW.getTime() + 60_000);
    const certificate = readSigningCertificate((await createSelfSignedCertificate({ notBefore, notAfter })).pem);
    expect([certificate.notBefore.getTime(), certificate.notAfter.getTime()]).toEqual([
      notBefore.getTime(),
      notAfter.getTime(),
    ]);
    await expect(createSelfSignedCertificate({ notBefore: notAfter, notAfter: notBefore })).rejects.toThrow(RangeError);
  });
});
