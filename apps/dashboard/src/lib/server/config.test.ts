import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createEmailSender } from 'kuratchi-sdk/internal/send';
import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { requestsTo, scriptHost } from '../../../test/fake-http';
import { seedOrganizations, ORGS } from '../../../test/support';
import { ConfigError, readConfig } from './config';

const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

describe("the Worker's own AWS configuration", () => {
  it('is null without credentials, so the jobs that need it can say they are not configured', () => {
    expect(readConfig({ ADMIN_DB: env.ADMIN_DB }).ses).toBeNull();
  });

  it('refuses half a credential or a key without a region, naming the variables, when first read', () => {
    // Lazy: reading the configuration checks the aws section only once `ses` is read.
    const halfKey = readConfig({ ADMIN_DB: env.ADMIN_DB, AWS_ACCESS_KEY_ID: AWS.AWS_ACCESS_KEY_ID });
    expect(() => halfKey.ses).toThrow(/AWS_SECRET_ACCESS_KEY: must be set together with AWS_ACCESS_KEY_ID/);
    expect(
      () => readConfig({ ADMIN_DB: env.ADMIN_DB, ...AWS, AWS_REGION: undefined } as unknown as DashboardEnv).ses,
    ).toThrow(/AWS_REGION: is required/);
    expect(() => readConfig({ ADMIN_DB: env.ADMIN_DB, ...AWS, AWS_ENDPOINT_URL: 'ftp://x' }).ses).toThrow(ConfigError);
    expect(() => readConfig({ ADMIN_DB: env.ADMIN_DB, ...AWS, AWS_ENDPOINT_URL: 'ftp://x' }, 'aws')).toThrow(
      'invalid aws settings: AWS_ENDPOINT_URL: must be an http(s) URL',
    );
  });

  it('signs real SESv2 calls to the configured endpoint (here a scripted fake host)', async () => {
    await seedOrganizations();
    const host = 'ses.config-test.test';
    await scriptHost(host, [{ method: 'POST', pathPrefix: '/v2/email/outbound-emails', json: { MessageId: 'm-1' } }]);
    const workerEnv = { ...env, ...AWS, AWS_ENDPOINT_URL: `https://${host}` } as unknown as DashboardEnv;
    const config = readConfig(workerEnv);
    const sender = createEmailSender({
      ses: config.ses!,
      adminDb: env.ADMIN_DB,
      orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, workerEnv),
      from: 'canary@example.com',
    });
    const result = await sender.sendEmail({
      organizationId: ORGS.acme,
      to: 'success@simulator.amazonses.com',
      subject: 'config test',
      text: 'hello',
    });
    expect(result).toMatchObject({ success: true, id: 'm-1' });
    const [request] = await requestsTo(host);
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/ses\//,
    );
  });
});
